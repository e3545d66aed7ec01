/**
 * npm run bench:jobs-load — the security review's load: 80 jobs at once, each printing about
 * 30 MB, through a gateway process (`serve --data`, its embedded store on disk). Prints the
 * gateway's peak RSS (VmHWM) beside its RSS at rest, the time, the stored bytes per job (capped
 * by limits.jobOutputBytes) and the data dir's size. Not a test: numbers, not verdicts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshFleet } from '../tests/support/ssh-fleet.js';
import { fleetDocument } from '../tests/support/gateway.js';
import { startGatewayProcess } from './lib/gateway-process.js';
import { connectClient, peakRssMb } from './lib/mcp-client.js';

const JOBS = Number(process.env.JOBS ?? 80);
const MB = Number(process.env.MB ?? 30);
const HOSTS = 8;
// The test hosts share this machine's files: each job cats the same text file.
const FILE = join(tmpdir(), `smg-load-${MB}mb.txt`);
const line = `${'z'.repeat(99)}\n`;
writeFileSync(FILE, line.repeat(Math.ceil((MB * 1e6) / line.length)), { mode: 0o644 });

const rssMb = (pid: number) =>
  Math.round(
    Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024,
  );

const fleet = await startSshFleet(HOSTS, { prefix: 'load' });
const gw = await startGatewayProcess(
  fleetDocument(fleet, {
    limits: {
      maxConcurrency: 128,
      commandTimeoutSeconds: 600,
      maxJobsPerUser: 1000,
      ...(process.env.JOB_BYTES ? { jobOutputBytes: Number(process.env.JOB_BYTES) } : {}),
    },
  }),
  { onDisk: true },
);
try {
  gw.child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
  gw.child.on('exit', (code, signal) => console.error(`the gateway exited: ${code ?? signal}`));
  const client = await connectClient(gw.url, gw.adminKey);
  const pid = gw.child.pid!;
  const atRest = rssMb(pid);
  const started = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const r = (await client.callTool({
      name: 'start_job',
      arguments: { host: fleet.hosts[i % HOSTS]!.name, command: `cat ${FILE}` },
    })) as unknown as { structuredContent: { id: string } };
    ids.push(r.structuredContent.id);
  }
  let peakRss = atRest;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 200);
  const status = async (id: string) =>
    (
      (await client.callTool({
        name: 'get_job',
        arguments: { jobId: id, tailBytes: 1 },
      })) as unknown as {
        structuredContent: {
          status: string;
          hosts: {
            bytes: { stdout: number };
            truncated: boolean;
            status: string;
            reason?: string;
          }[];
        };
      }
    ).structuredContent;
  let done: Awaited<ReturnType<typeof status>>[] = [];
  for (;;) {
    done = await Promise.all(ids.map(status));
    if (done.every((j) => j.status !== 'running' && j.status !== 'queued')) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  clearInterval(sample);
  const stored = done.map((j) => j.hosts[0]!.bytes.stdout);
  console.log(`${JOBS} jobs × ${MB} MB of output each, ${HOSTS} hosts`);
  console.log(`time                         ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`gateway RSS at rest         ${atRest} MB`);
  console.log(`gateway peak RSS (sampled)  ${peakRss} MB; VmHWM ${peakRssMb(pid)} MB`);
  console.log(`gateway RSS after           ${rssMb(pid)} MB`);
  console.log(
    `stored per job              ${Math.min(...stored)}–${Math.max(...stored)} bytes; truncated: ${done.filter((j) => j.hosts[0]!.truncated).length}/${JOBS}; statuses ${JSON.stringify(done.reduce<Record<string, number>>((a, j) => ((a[j.status] = (a[j.status] ?? 0) + 1), a), {}))}`,
  );
  console.log(
    `data dir                    ${
      execFileSync('du', ['-sh', gw.dataDir!]).toString().split('\t')[0]
    }`,
  );
  await client.close();
} finally {
  await gw.stop();
  await fleet.stop();
}
process.exit(0);
