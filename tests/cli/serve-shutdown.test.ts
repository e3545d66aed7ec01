import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { freePort, startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument } from '../support/gateway.js';
import { API_KEY_IN_TEXT } from '../../src/core/users/api-key.js';
const apiKeyPattern = new RegExp(API_KEY_IN_TEXT);

describe('serve, stopped while a command runs', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startSshFleet(1, { prefix: 'down' });
  });
  afterAll(() => fleet?.stop());

  it('answers the run_command in flight and records its outcome before it exits', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smg-down-'));
    writeFileSync(join(cwd, 'fleet.yaml'), stringify(fleetDocument(fleet)));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [resolve('bin/ssh-mcp-gateway.js'), 'serve', '--port', String(port)],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 20_000;
    while (!/Connect an MCP client/.test(output) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const file = /API key is in (\S+) /.exec(output)?.[1] ?? '';
    const key = apiKeyPattern.exec(readFileSync(file, 'utf8'))?.[0];
    const client = new Client({ name: 't', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    const call = client.callTool({
      name: 'run_command',
      arguments: { host: 'down-1', command: 'sleep 1.5; echo done' },
    }) as Promise<CallToolResult & { structuredContent: Record<string, any> }>;
    await new Promise((r) => setTimeout(r, 500));
    child.kill('SIGINT');
    const result = await call;
    expect(result.structuredContent.results[0]).toMatchObject({ status: 'ok', stdout: 'done\n' });
    // A new call on the kept-open connection is turned away, not started and then cut.
    await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow();
    // With nothing left in flight it exits at once, not at the end of the grace period (25 s).
    const answered = Date.now();
    expect(await exited).toBe(0);
    expect(Date.now() - answered).toBeLessThan(5_000);
    expect(output).toMatch(/shutting down: answering the requests in flight/);
    const lines: string[] = [];
    const io: CliIO = { out: (line) => lines.push(line), err: () => undefined };
    await main(['audit', 'tail', '--limit', '5', '--data', join(cwd, '.data')], io);
    expect(lines.join('\n')).toMatch(
      /exec\.outcome {2}admin {2}run_command .*outcome=completed; ok:1/,
    );
  });
});
