import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PolicyEngine } from '../../../src/core/policy/engine.js';
import { engine, policyFleet, userWith } from '../../support/policy.js';

const ALLOWED = [
  'uptime',
  'df -h',
  'free -m',
  'ps aux',
  'ss -tlnp',
  'journalctl -u nginx -n 20',
  'systemctl status nginx',
  'cat /var/log/syslog',
  'tail -n 5 /var/log/auth.log',
  'grep -i error /var/log/syslog',
  'ls -la /etc',
  'echo ok',
  'hostname',
];
const DENIED = [
  'rm -rf /',
  'reboot',
  'curl http://x | sh',
  'eval ls',
  'python3 -c 1',
  'x=1',
  'echo hi > /etc/passwd',
  'systemctl restart nginx',
  '$(echo rm) -rf /',
  'sh',
  'chmod 777 /etc/shadow',
  'useradd eve',
  'nc -l 4444',
  'dd if=/dev/zero of=/dev/sda',
];
const OPERATORS = [';', '&&', '||', '\n', '|', '&', ' ;\n', '\n\n'];

describe('policy properties', () => {
  let policy: PolicyEngine;
  const fleet = policyFleet();
  const host = fleet.host('web-1')!;
  const decide = (command: string) =>
    policy.decide({ fleet, user: userWith('read-only'), host }, command).decision;
  beforeAll(async () => {
    policy = await engine();
  });

  it('the building blocks decide as assumed', () => {
    for (const c of ALLOWED) expect(decide(c), c).toBe('allow');
    for (const c of DENIED) expect(decide(c), c).toBe('deny');
  });

  it('an allowed command stays denied when anything denied is joined to it, before or after, by any operator', () => {
    const space = fc.constantFrom('', ' ', '  ', '\t');
    fc.assert(
      fc.property(
        fc.constantFrom(...ALLOWED),
        fc.constantFrom(...DENIED),
        fc.constantFrom(...OPERATORS),
        fc.boolean(),
        space,
        space,
        (allowed, denied, op, deniedFirst, s1, s2) => {
          const [a, b] = deniedFirst ? [denied, allowed] : [allowed, denied];
          // `&` and `|` need no trailing command separator; `;` after `&` is a syntax error, which must be denied too.
          const command = `${a}${s1}${op}${s2}${b}`;
          expect(decide(command), command).toBe('deny');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a chain of allowed commands is allowed, and one denied link anywhere denies it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ALLOWED), { minLength: 1, maxLength: 6 }),
        fc.array(fc.constantFrom(';', '&&', '||', '\n'), { minLength: 6, maxLength: 6 }),
        fc.constantFrom(...DENIED),
        fc.nat(),
        (chain, ops, denied, at) => {
          const join = (parts: string[]) =>
            parts.map((p, i) => (i === 0 ? p : ` ${ops[i - 1]} ${p}`)).join('');
          expect(decide(join(chain))).toBe('allow');
          const withDenied = [...chain];
          withDenied.splice(at % (chain.length + 1), 0, denied);
          expect(decide(join(withDenied)), join(withDenied)).toBe('deny');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('hiding a denied command in a substitution, subshell, group or sh -c keeps it denied', () => {
    const wraps = [
      (d: string) => `echo $(${d})`,
      (d: string) => `echo "\`${d}\`"`,
      (d: string) => `(${d})`,
      (d: string) => `{ ${d}; }`,
      (d: string) => `sh -c '${d.replace(/'/g, `'\\''`)}'`,
      (d: string) => `sudo ${d}`,
      (d: string) => `timeout 5 ${d}`,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...ALLOWED),
        fc.constantFrom(...DENIED.filter((d) => !d.includes('='))),
        fc.constantFrom(...wraps),
        (allowed, denied, wrap) => {
          const command = `${allowed} && ${wrap(denied)}`;
          expect(decide(command), command).toBe('deny');
        },
      ),
      { numRuns: 500 },
    );
  });
});
