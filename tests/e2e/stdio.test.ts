import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { main } from '../../src/cli/main.js';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument } from '../support/gateway.js';
import { sdkClient } from '../support/mcp-client.js';
import { API_KEY_IN_TEXT } from '../../src/core/users/api-key.js';
const apiKeyPattern = new RegExp(API_KEY_IN_TEXT);

const BIN = resolve('bin/ssh-mcp-gateway.js');

/** Runs a CLI command in this process and returns what it printed. */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('ssh-mcp-gateway stdio, spawned as a desktop client would', () => {
  let fleet: TestFleet;
  let dir: string;
  let config: string;
  let data: string;
  let key: string;

  beforeAll(async () => {
    fleet = await startSshFleet(1, { prefix: 'stdio' });
    dir = mkdtempSync(join(tmpdir(), 'smg-stdio-'));
    config = join(dir, 'fleet.yaml');
    data = join(dir, 'data');
    writeFileSync(config, stringify(fleetDocument(fleet)));
    const added = await cli(
      'users',
      'add',
      'desk',
      '--role',
      'operator',
      '--tags',
      'test',
      '--data',
      data,
    );
    key = apiKeyPattern.exec(added.out)?.[0] ?? '';
    expect(key).not.toBe('');
  });
  afterAll(async () => {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const transport = (apiKey: string, extra: string[] = []) =>
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'stdio', '--config', config, '--data', data, ...extra],
      env: { ...(process.env as Record<string, string>), SMG_API_KEY: apiKey },
      stderr: 'pipe',
    });

  for (const era of ['modern', 'legacy'] as const) {
    it(`lists tools and runs a command as the key's user (${era} era)`, async () => {
      const client = sdkClient(era);
      await client.connect(transport(key));
      expect(client.getProtocolEra()).toBe(era);
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('run_command');
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toMatchObject({ name: 'desk', role: 'operator' });
      const ran = await client.callTool({
        name: 'run_command',
        arguments: { host: 'stdio-1', command: `echo from-stdio-${era}` },
      });
      expect(ran.structuredContent).toMatchObject({
        summary: { total: 1, ok: 1 },
        results: [{ host: 'stdio-1', stdout: `from-stdio-${era}\n` }],
      });
      await client.close();
    }, 30_000);
  }

  it('narrows the tools to the toolsets and read-only switch its command line names', async () => {
    const client = sdkClient('legacy');
    await client.connect(transport(key, ['--toolsets', 'hosts,exec', '--read-only']));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual([
      'whoami',
      'list_hosts',
      'describe_host',
      'check_hosts',
      'plan_command',
    ]);
    await client.close();
  }, 30_000);

  it('refuses to start without a key or with a wrong one, says why on stderr, and audits the wrong key', async () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, [BIN, 'stdio', '--config', config, '--data', data], {
        env: { ...(process.env as Record<string, string>), ...env },
        input: '',
        encoding: 'utf8',
        timeout: 20_000,
      });
    const none = run({ SMG_API_KEY: '' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/set SMG_API_KEY to your API key/);
    expect(none.stdout).toBe('');
    const wrong = run({ SMG_API_KEY: `smg_${'W'.repeat(43)}` });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/API key [0-9a-f]{12} is not known/);
    expect(wrong.stdout).toBe('');
    const tail = await cli('audit', 'tail', '--limit', '50', '--data', data);
    expect(tail.out).toMatch(
      /request\.refused {2}- {2}outcome=401 {2}stdio: API key [0-9a-f]{12} is not known.* {2}address=stdio/,
    );
    // And the calls above were audited as the key's user.
    expect(tail.out).toMatch(
      /exec\.intent {2}desk {2}run_command .*command="echo from-stdio-modern"/,
    );
  }, 60_000);
});
