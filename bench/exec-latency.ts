/**
 * Latency of run_command through the whole stack (SDK client → HTTP → auth → MCP → audit →
 * ssh2 → sshd; the gateway in its own process) against the raw floor measured in the same run on
 * the same loopback hosts:
 *   cold: first run_command to a host   vs  bare ssh2 connect + exec + close (TCP_NODELAY)
 *   warm: repeated run_command to a host vs  exec on one open ssh2 connection
 * Prints a table and writes bench/results/exec-latency.json. Not a test: numbers, not verdicts.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { startSshFleet } from '../tests/support/ssh-fleet.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fleetDocument } from '../tests/support/gateway.js';
import { startGatewayProcess } from './lib/gateway-process.js';
import { targetFor } from '../tests/support/targets.js';
import { connectSsh } from '../src/adapters/ssh/connect.js';
import { runOnConnection } from '../src/adapters/ssh/run-on-connection.js';
import type ssh2 from 'ssh2';
import { summary, timed, round } from './lib/stats.js';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 20);
const WARM = Number(process.env.BENCH_WARM ?? 50);

/** Bare ssh2 exec without our wrapper: the floor. */
function bareExec(client: ssh2.Client, command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err);
      stream.on('close', () => resolve());
      stream.resume();
      stream.stderr.resume();
    });
  });
}

async function main() {
  // One spare host takes the warm-up, so every measured host is cold for the gateway.
  const fleet = await startSshFleet(HOSTS + 1, { prefix: 'bench' });
  const gw = await startGatewayProcess(fleetDocument(fleet, { limits: { maxConcurrency: 64 } }));
  try {
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url), { requestInit: { headers: { Authorization: `Bearer ${gw.adminKey}` } } }));
    const run = (host: string) => client.callTool({ name: 'run_command', arguments: { host, command: 'true' } });
    // Warm the code paths (JIT, HTTP keep-alive, the store) before measuring.
    const spare = fleet.hosts[HOSTS]!;
    for (let i = 0; i < 20; i++) await run(spare.name);
    for (let i = 0; i < 5; i++) {
      const { client: c } = await connectSsh(targetFor(fleet, spare), { connectTimeoutMs: 5_000 });
      await bareExec(c, 'true');
      c.end();
    }
    const measured = fleet.hosts.slice(0, HOSTS);

    const coldBare: number[] = [];
    const coldGateway: number[] = [];
    // Interleaved per host so drift on a noisy machine hits both sides alike.
    for (const host of measured) {
      coldBare.push(
        await timed(async () => {
          const { client: c } = await connectSsh(targetFor(fleet, host), { connectTimeoutMs: 5_000 });
          await bareExec(c, 'true');
          c.end();
        }),
      );
      coldGateway.push(await timed(() => run(host.name)));
    }

    const warmHost = measured[0]!;
    const { client: open } = await connectSsh(targetFor(fleet, warmHost), { connectTimeoutMs: 5_000 });
    const warmBare: number[] = [];
    const warmWrapped: number[] = [];
    const warmGateway: number[] = [];
    for (let i = 0; i < WARM; i++) {
      warmBare.push(await timed(() => bareExec(open, 'true')));
      warmWrapped.push(await timed(() => runOnConnection(open, 'true', { timeoutMs: 10_000, maxOutputBytes: 65_536 })));
      warmGateway.push(await timed(() => run(warmHost.name)));
    }
    open.end();

    const rows = {
      cold: { bare: summary(coldBare), gateway: summary(coldGateway) },
      warm: { bare: summary(warmBare), wrappedExec: summary(warmWrapped), gateway: summary(warmGateway) },
    };
    const ratio = (a: number, b: number) => round(a / b);
    console.log(`exec latency (ms), ${HOSTS} loopback sshd hosts, ${WARM} warm calls, node ${process.version}`);
    console.log('                                   p50      p95     ratio p50');
    const line = (label: string, s: { p50: number; p95: number }, base?: { p50: number }) =>
      console.log(`${label.padEnd(34)}${String(s.p50).padStart(6)}  ${String(s.p95).padStart(7)}  ${base ? `${ratio(s.p50, base.p50)}×` : ''}`);
    line('cold  bare ssh2 connect+exec+close', rows.cold.bare);
    line('cold  run_command (first to host)', rows.cold.gateway, rows.cold.bare);
    line('warm  bare exec on open connection', rows.warm.bare);
    line('warm  exec with kill wrapper', rows.warm.wrappedExec, rows.warm.bare);
    line('warm  run_command (pooled)', rows.warm.gateway, rows.warm.bare);
    mkdirSync('bench/results', { recursive: true });
    writeFileSync('bench/results/exec-latency.json', JSON.stringify({ time: new Date().toISOString(), node: process.version, hosts: HOSTS, ...rows }, null, 2));
    await client.close();
  } finally {
    await gw.stop();
    await fleet.stop();
  }
}

await main();
process.exit(0);
