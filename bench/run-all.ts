/**
 * npm run bench: a loopback fleet (101 healthy sshd hosts, 10 tarpits that accept TCP and never
 * speak SSH, 10 closed ports), gateway
 * processes, and every figure next to the floor measured in the same run. Prints a table, writes
 * bench/results/latest.json and docs/bench.svg. Not a test: numbers, not verdicts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { startSshFleet, freePort, type TestFleet } from '../tests/support/ssh-fleet.js';
import { fleetDocument } from '../tests/support/gateway.js';
import { startGatewayProcess } from './lib/gateway-process.js';
import { connectClient, peakRssMb } from './lib/mcp-client.js';
import { measureLatency } from './latency.js';
import { measureDegraded, measureFanOut, type FanOutRow } from './fan-out.js';
import { measureHttp } from './http-throughput.js';
import { measurePolicy } from './policy-decisions.js';
import { measureLambdaBundle } from './lambda-bundle.js';
import { measureLambdaRunCommand } from './lambda-run-command.js';
import { renderChart } from './lib/svg.js';
import { round } from './lib/stats.js';

const HEALTHY = 101;
const TARPITS = 10;
const DEAD = 10;
const started = Date.now();
const log = (line: string) => console.log(line);

log(`starting ${HEALTHY} sshd hosts and ${TARPITS} tarpits on 127.0.0.1 …`);
const fleet: TestFleet = await startSshFleet(HEALTHY, { prefix: 'b' });
const healthy = fleet.hosts.slice(0, HEALTHY);
// Tarpits: take the connection, send nothing (the connect timeout is no excuse past the call's).
const held: Socket[] = [];
const tarpits = await Promise.all(
  Array.from({ length: TARPITS }, async () => {
    const server = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return server;
  }),
);
const tagsFor = (_name: string, i: number): string[] => {
  const tags = ['all100'];
  if (i < 20) tags.push('n20');
  if (i >= 80 && i < 100) tags.push('latency');
  if (i < 80) tags.push('degraded');
  if (i === 100) return ['spare'];
  return tags;
};
const deadHosts = await Promise.all(
  Array.from({ length: DEAD }, async (_, i) => ({
    name: `dead-${i + 1}`,
    address: '127.0.0.1',
    port: await freePort(),
    user: fleet.user,
    credential: 'test',
    hostKey: healthy[0]!.hostKeyFingerprint,
    tags: ['degraded'],
  })),
);
const tarpitHosts = tarpits.map((server, i) => ({
  name: `tarpit-${i + 1}`,
  address: '127.0.0.1',
  port: (server.address() as AddressInfo).port,
  user: fleet.user,
  credential: 'test',
  hostKey: healthy[0]!.hostKeyFingerprint,
  tags: ['degraded'],
}));
const document = fleetDocument(fleet, {
  tags: tagsFor,
  hosts: [...deadHosts, ...tarpitHosts],
  limits: {
    maxConcurrency: 128,
    commandTimeoutSeconds: 30,
    connectTimeoutSeconds: 10, // the default: above the degraded case's T, which must bound it
    syncBudgetSeconds: 25,
  },
});

const fresh = async () => {
  const gw = await startGatewayProcess(document);
  return { gw, client: await connectClient(gw.url, gw.adminKey) };
};

try {
  log('latency: cold (20 hosts) and warm (50 calls) …');
  let { gw, client } = await fresh();
  const latency = await measureLatency(fleet, client, healthy.slice(80, 100), healthy[100]!);
  await client.close();
  await gw.stop();

  log('fan-out: 20 hosts, then 100 hosts, then 100 with 10 closed ports and 10 tarpits …');
  const fanOut: FanOutRow[] = [];
  ({ gw, client } = await fresh());
  fanOut.push(await measureFanOut(fleet, client, healthy.slice(0, 20), 'n20', healthy[100]!));
  await client.close();
  await gw.stop();
  ({ gw, client } = await fresh());
  fanOut.push(await measureFanOut(fleet, client, healthy.slice(0, 100), 'all100', healthy[100]!));
  const rssMb = peakRssMb(gw.child.pid!);
  const degraded = await measureDegraded(
    client,
    'degraded',
    { hosts: 80 + TARPITS + DEAD, dead: DEAD, tarpits: TARPITS },
    3,
  );

  log('http: tools/list requests/s, gateway vs bare SDK server …');
  const http = await measureHttp(gw.url, gw.adminKey, 5);
  await client.close();
  await gw.stop();

  log('lambda: warm run_command through the bundled handler …');
  const lambdaRun = await measureLambdaRunCommand(fleet, healthy[99]!);

  log('policy decisions/s …');
  const policy = await measurePolicy();
  log('lambda bundle …');
  const lambda = await measureLambdaBundle();

  const r = (a: number, b: number) => round(a / b);
  const lines = [
    '',
    `ssh-mcp-gateway benchmarks — node ${process.version} (Lambda figures: ${lambda.node}), ${new Date().toISOString()}`,
    '',
    'figure                                         ours        floor       ratio   goal',
    `latency cold p50 (first call, 20 hosts)   ${String(latency.cold.gateway.p50).padStart(8)} ms ${String(latency.cold.bare.p50).padStart(8)} ms   ${String(r(latency.cold.gateway.p50, latency.cold.bare.p50)).padStart(5)}×   ≤ 1.25×`,
    `latency cold p95                          ${String(latency.cold.gateway.p95).padStart(8)} ms ${String(latency.cold.bare.p95).padStart(8)} ms   ${String(r(latency.cold.gateway.p95, latency.cold.bare.p95)).padStart(5)}×`,
    `latency warm p50 (50 calls, one host)     ${String(latency.warm.gateway.p50).padStart(8)} ms ${String(latency.warm.bare.p50).padStart(8)} ms   ${String(r(latency.warm.gateway.p50, latency.warm.bare.p50)).padStart(5)}×   ≤ 3×`,
    `latency warm p95                          ${String(latency.warm.gateway.p95).padStart(8)} ms ${String(latency.warm.bare.p95).padStart(8)} ms   ${String(r(latency.warm.gateway.p95, latency.warm.bare.p95)).padStart(5)}×`,
    `latency warm p50 vs the supervised exec  ${String(latency.warm.gateway.p50).padStart(8)} ms ${String(latency.warm.wrappedExec.p50).padStart(8)} ms   ${String(r(latency.warm.gateway.p50, latency.warm.wrappedExec.p50)).padStart(5)}×   (the exec every command gets)`,
    `supervisor on a warm exec (spool, tee, timeout) ${String(round(latency.warm.wrappedExec.p50 - latency.warm.bare.p50, 2)).padStart(5)} ms over the bare exec's ${latency.warm.bare.p50} ms (p50)`,
    ...fanOut.map(
      (f) =>
        `fan-out ${String(f.hosts).padStart(3)} hosts cold (errors ${f.gatewayErrors}/${f.bareErrors})  ${String(f.gatewayColdMs).padStart(8)} ms ${String(f.bareMs).padStart(8)} ms   ${String(f.ratioCold).padStart(5)}×   ≤ 1.15×, 0 errors`,
    ),
    ...fanOut.map(
      (f) =>
        `fan-out ${String(f.hosts).padStart(3)} cold vs the supervised exec ${String(f.gatewayColdMs).padStart(8)} ms ${String(f.bareWrappedMs).padStart(8)} ms   ${String(r(f.gatewayColdMs, f.bareWrappedMs)).padStart(5)}×`,
    ),
    ...fanOut.map(
      (f) =>
        `fan-out ${String(f.hosts).padStart(3)} hosts warm (pooled)        ${String(f.gatewayWarmMs).padStart(8)} ms`,
    ),
    `fan-out 100 with ${DEAD} closed + ${TARPITS} tarpits, T=${degraded.timeoutSeconds} s ${String(degraded.totalMs).padStart(8)} ms ${String(degraded.timeoutSeconds * 1000).padStart(8)} ms   ${String(r(degraded.totalMs, degraded.timeoutSeconds * 1000)).padStart(5)}×   ≤ 1.1× (T + 10 %)  ${JSON.stringify(degraded.summary)}`,
    `http tools/list req/s (8 connections)     ${String(http.gateway.rps).padStart(8)}/s ${String(http.bare.rps).padStart(8)}/s   ${String(http.ratio).padStart(5)}×   ≥ 0.8×  (errors ${http.gateway.errors + http.gateway.non2xx})`,
    `gateway peak RSS during 100-host fan-out  ${String(rssMb).padStart(8)} MB                      ≤ 200 MB`,
    `policy decisions/s, uncached              ${String(policy.uncached.perSecond).padStart(8)}/s                      ≥ 20000/s  (cached: ${policy.cached.perSecond}/s)`,
    `lambda warm run_command p50 (handler)     ${String(lambdaRun.gateway.p50).padStart(8)} ms ${String(lambdaRun.bare.p50).padStart(8)} ms   ${String(r(lambdaRun.gateway.p50, lambdaRun.bare.p50)).padStart(5)}×   ≤ 3×, 1 invocation per call (worker invocations: ${lambdaRun.workerInvocations} in ${lambdaRun.calls} calls)`,
    `lambda bundle index.js                    ${String(round(lambda.bundleBytes / 1e6)).padStart(8)} MB                      ≤ 1 MB  (gzip ${round(lambda.bundleGzipBytes / 1e6)} MB)`,
    `lambda cold import                        ${String(lambda.importMs).padStart(8)} ms                      ≤ 150 ms`,
    `lambda first call                         ${String(lambda.firstCallMs).padStart(8)} ms                      ≤ 60 ms`,
    '',
    `total bench time ${round((Date.now() - started) / 1000, 0)} s`,
  ];
  lines.forEach((l) => log(l));

  const result = {
    time: new Date().toISOString(),
    node: process.version,
    latency: {
      cold: { bare: latency.cold.bare, gateway: latency.cold.gateway },
      warm: {
        bare: latency.warm.bare,
        wrappedExec: latency.warm.wrappedExec,
        gateway: latency.warm.gateway,
      },
    },
    fanOut,
    degraded,
    http,
    rssMb,
    policy,
    lambda,
    lambdaRun,
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify(result, null, 2));
  writeFileSync(
    `bench/results/${result.time.replace(/[:.]/g, '-')}.json`,
    JSON.stringify(result, null, 2),
  );
  mkdirSync('docs', { recursive: true });
  writeFileSync(
    'docs/bench.svg',
    renderChart({
      title: `ssh-mcp-gateway vs raw ssh2 on loopback (${result.time.slice(0, 10)})`,
      latency: [
        { label: 'cold: bare ssh2 connect+exec', samples: latency.cold.samples.bare },
        { label: 'cold: run_command (gateway)', samples: latency.cold.samples.gateway },
        { label: 'warm: bare exec, open connection', samples: latency.warm.samples.bare },
        { label: 'warm: run_command (gateway)', samples: latency.warm.samples.gateway },
      ],
      fanOut,
    }),
  );
} finally {
  held.forEach((socket) => socket.destroy());
  tarpits.forEach((server) => server.close());
  await fleet.stop();
}
process.exit(0);
