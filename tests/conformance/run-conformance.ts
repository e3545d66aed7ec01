/**
 * Runs the official MCP conformance server scenarios (@modelcontextprotocol/conformance, on Node 22)
 * that one protocol revision requires (`--requirements`) against a local gateway, and checks them
 * against that revision's baseline (tests/conformance/baseline-<revision>.yml, one entry per
 * failing check): a failure not in the baseline, or a baseline entry that now passes, fails the run.
 *
 * The scenarios send no credentials, so a small proxy on 127.0.0.1 adds an admin API key to each
 * request and forwards it unchanged otherwise (Host and Origin included, so the gateway's own
 * DNS-rebinding check is what the rebinding scenario meets).
 *
 *   npm run conformance
 */
import { execFile } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../support/gateway.js';
import { freePort } from '../support/ssh-fleet.js';
import { node22 } from '../support/node22.js';

/** The revisions the gateway speaks, each run with its own requirements and baseline. */
export const REVISIONS = ['2025-11-25', '2026-07-28'] as const;
export type Revision = (typeof REVISIONS)[number];

export const baselineOf = (revision: Revision) =>
  resolve(`tests/conformance/baseline-${revision}.yml`);
const CLI = resolve('node_modules/@modelcontextprotocol/conformance/dist/index.js');

export interface ConformanceRun {
  readonly exitCode: number;
  readonly output: string;
  readonly nodeVersion: string;
}

function authProxy(port: number, target: number, key: string): Promise<Server> {
  const server = createServer((req, res) => {
    const upstream = request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, authorization: `Bearer ${key}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return new Promise((done) => server.listen(port, '127.0.0.1', () => done(server)));
}

/** Starts a gateway and the proxy, runs every server scenario, and answers the CLI's verdict. */
export async function runConformance(
  revision: Revision,
  extraArgs: readonly string[] = [],
): Promise<ConformanceRun> {
  const { bin, version } = node22();
  const proxyPort = await freePort();
  const gw = await startGateway(
    { hosts: [] },
    { extraAllowedHosts: [`127.0.0.1:${proxyPort}`, `localhost:${proxyPort}`] },
  );
  const key = await gw.user({ name: 'conformance', role: 'admin' });
  const proxy = await authProxy(proxyPort, Number(new URL(gw.url).port), key);
  const work = mkdtempSync(join(tmpdir(), 'smg-conformance-'));
  try {
    return await new Promise<ConformanceRun>((done) => {
      execFile(
        bin,
        [
          CLI,
          'server',
          '--url',
          `http://127.0.0.1:${proxyPort}/mcp`,
          '--requirements',
          revision,
          '--expected-failures',
          baselineOf(revision),
          ...extraArgs,
        ],
        { cwd: work, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          done({ exitCode: code, output: `${stdout}${stderr}`, nodeVersion: version });
        },
      );
    });
  } finally {
    await new Promise((r) => proxy.close(r));
    await gw.close();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `npm run conformance -- 2026-07-28 [CLI arguments…]`, e.g. `-o out` to keep each check's JSON.
  const [revision = '2026-07-28', ...rest] = process.argv.slice(2);
  if (!(REVISIONS as readonly string[]).includes(revision))
    throw new Error(`the first argument is a revision: ${REVISIONS.join(' or ')}`);
  const run = await runConformance(revision as Revision, rest);
  process.stdout.write(run.output);
  process.stdout.write(
    `\nconformance (${run.nodeVersion}): ${run.exitCode === 0 ? 'matches the baseline' : 'DOES NOT match the baseline'}\n`,
  );
  process.exit(run.exitCode);
}
