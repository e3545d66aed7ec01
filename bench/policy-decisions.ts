/**
 * Policy decisions per second for a realistic command mix (what a model types while diagnosing
 * and operating hosts), under the operator profile:
 *   uncached: every decision parses its command (the engine's cache disabled)
 *   cached:   the same mix repeated, as when one command is decided for every host of a fan-out
 * Target: ≥ 20,000 decisions/s. Writes bench/results/policy-decisions.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createTreeSitterShellParser } from '../src/adapters/shell/tree-sitter-parser.js';
import { PolicyEngine } from '../src/core/policy/engine.js';
import { Fleet } from '../src/core/fleet/fleet.js';
import type { User } from '../src/core/users/user.js';
import { round } from './lib/stats.js';
import { pathToFileURL } from 'node:url';

const MIX = [
  'uptime',
  'df -h',
  'free -m',
  'ps aux --sort=-%mem | head -n 20',
  'ss -tulpn',
  'systemctl status nginx',
  'journalctl -u nginx --since "1 hour ago" --no-pager | tail -n 100',
  'tail -n 200 /var/log/syslog | grep -i error',
  'cat /proc/loadavg',
  'du -sh /var/log/* 2>/dev/null | sort -h | tail',
  'ls -la /etc/nginx/sites-enabled/',
  'grep -c processor /proc/cpuinfo',
  'dmesg -T | tail -n 50',
  'ip addr show',
  'docker ps -a',
  'lsof -i :443',
  'find /var/log -name "*.gz" -mtime +7',
  'sudo systemctl restart nginx',
  'systemctl reload nginx && systemctl status nginx',
  'kill -HUP $(cat /run/nginx.pid)',
  'apt-get install -y htop',
  'rm -rf /tmp/build-cache',
  'echo ok > /tmp/healthcheck',
  'sh -c "uptime; df -h"',
  'curl -s http://localhost/health',
  'rm -rf /',
  'cat /etc/passwd | xargs -n1 echo',
  'timeout 5 ping -c 3 10.0.0.1',
  'uname -a && hostname && uptime',
  'bash -c \'ls; sh -c "rm -rf /tmp/x"\'',
];

const FP = `SHA256:${'D'.repeat(43)}`;
const fleet = Fleet.fromDocument(
  {
    credentials: { k: { password: 'pw-bench' } },
    hosts: Array.from({ length: 100 }, (_, i) => ({
      name: `h${i}`,
      address: '127.0.0.1',
      user: 'u',
      credential: 'k',
      hostKey: FP,
      tags: [i % 10 === 0 ? 'prod' : 'dev'],
    })),
    policies: { hosts: [{ when: { tags: ['prod'] }, profile: 'read-only' }] },
  },
  { source: 'bench', readKeyFile: () => '' },
);
const user: User = {
  name: 'bench',
  role: 'operator',
  access: { hosts: [], groups: [], tags: [] },
  disabled: false,
  createdAt: '',
};

function rate(engine: PolicyEngine, seconds: number): { perSecond: number; decisions: number } {
  let decisions = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < MIX.length; i++)
      engine.decide({ fleet, user, host: fleet.hosts[i % fleet.hosts.length]! }, MIX[i]!);
    decisions += MIX.length;
  }
  return { perSecond: Math.round(decisions / seconds), decisions };
}

export interface PolicyResult {
  mix: number;
  tally: Record<string, number>;
  uncached: { perSecond: number; decisions: number };
  cached: { perSecond: number; decisions: number };
}

export async function measurePolicy(): Promise<PolicyResult> {
  const parser = await createTreeSitterShellParser();
  const uncached = new PolicyEngine(parser, 0);
  const cached = new PolicyEngine(parser);
  rate(uncached, 1);
  rate(cached, 0.5);
  const results = { uncached: rate(uncached, 3), cached: rate(cached, 2) };
  const verdicts = MIX.map(
    (c) => cached.decide({ fleet, user, host: fleet.hosts[1]! }, c).decision,
  );
  const tally = Object.fromEntries(
    ['allow', 'approval_required', 'deny'].map((d) => [d, verdicts.filter((v) => v === d).length]),
  );
  return { mix: MIX.length, tally, ...results };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { tally, ...results } = await measurePolicy();

  console.log(
    `policy decisions/s (operator profile, ${MIX.length}-command mix: ${JSON.stringify(tally)}), node ${process.version}`,
  );
  console.log(
    `  uncached (parse every time)  ${results.uncached.perSecond.toLocaleString('en')} /s   (${round(1e6 / results.uncached.perSecond)} µs each)`,
  );
  console.log(
    `  cached (fan-out, same text)  ${results.cached.perSecond.toLocaleString('en')} /s   (${round(1e6 / results.cached.perSecond)} µs each)`,
  );
  console.log(
    `  target ≥ 20,000/s uncached: ${results.uncached.perSecond >= 20_000 ? 'met' : 'NOT met'}`,
  );
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/policy-decisions.json',
    JSON.stringify(
      { time: new Date().toISOString(), node: process.version, tally, ...results },
      null,
      2,
    ),
  );
  process.exit(0);
}
