import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../../tests/support/ssh-fleet.js';
import { API_KEY_IN_TEXT } from '../../src/core/users/api-key.js';
const apiKeyPattern = new RegExp(API_KEY_IN_TEXT);

export interface GatewayProcess {
  readonly url: string;
  readonly adminKey: string;
  readonly child: ChildProcess;
  /** The embedded store's data dir, when it is on disk (`onDisk`). */
  readonly dataDir?: string;
  stop(): Promise<void>;
}

/**
 * Starts `ssh-mcp-gateway serve --memory` in its own process, as an operator would run it; with
 * `onDisk`, `serve --data DIR` (the store on disk, as `npm start` runs).
 */
export async function startGatewayProcess(
  fleetDocument: unknown,
  options: { onDisk?: boolean } = {},
): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'smg-bench-'));
  const config = join(dir, 'fleet.yaml');
  writeFileSync(config, stringify(fleetDocument));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      resolve('bin/ssh-mcp-gateway.js'),
      'serve',
      ...(options.onDisk ? ['--data', join(dir, 'data')] : ['--memory']),
      '--config',
      config,
      '--port',
      String(port),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (!/Connect an MCP client/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`gateway did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  // Output is not a terminal, so the first admin's key is in a file whose path is printed.
  const keyFile = /Its API key is in (\S+) /.exec(output)?.[1];
  const adminKey = keyFile ? apiKeyPattern.exec(readFileSync(keyFile, 'utf8'))?.[0] : undefined;
  if (!adminKey) throw new Error(`no admin key file in:\n${output}`);
  // On disk the key file sits in the data dir; otherwise in a directory of its own.
  if (keyFile)
    rmSync(options.onDisk ? keyFile : dirname(keyFile), { recursive: true, force: true });
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    adminKey,
    child,
    ...(options.onDisk ? { dataDir: join(dir, 'data') } : {}),
    async stop() {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
