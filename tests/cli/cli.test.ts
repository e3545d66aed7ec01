import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';
import { openStore } from '../../src/compose/store.js';
import { documentClient } from '../../src/adapters/dynamo/document-client.js';
import { systemClock } from '../../src/core/ports.js';
import { freePort } from '../support/ssh-fleet.js';
import { initializeRequest, mcpPost } from '../support/mcp-client.js';
import { API_KEY_IN_TEXT } from '../../src/core/users/api-key.js';
const apiKeyPattern = new RegExp(API_KEY_IN_TEXT);

function capture(): CliIO & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

async function run(...argv: string[]) {
  const io = capture();
  const code = await main(argv, io);
  return { code, out: io.lines.join('\n'), err: io.errors.join('\n') };
}

describe('ssh-mcp-gateway CLI', () => {
  let dir: string;
  let data: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'smg-cli-'));
    data = join(dir, 'data');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a user, prints a key once, lists and revokes', async () => {
    const added = await run(
      'users',
      'add',
      'carol',
      '--role',
      'operator',
      '--tags',
      'web,db',
      '--data',
      data,
    );
    expect(added.code).toBe(0);
    expect(added.out).toMatch(apiKeyPattern);
    const listed = await run('users', 'list', '--data', data);
    expect(listed.out).toMatch(
      /carol\toperator\tactive\t1 key\(s\)\thosts=\[\] groups=\[\] tags=\[web,db\]\tpolicy=default/,
    );
    expect(listed.out).not.toMatch(/smg_/);
    expect((await run('users', 'revoke', 'carol', '--data', data)).code).toBe(0);
    expect((await run('users', 'list', '--data', data)).out).toMatch(
      /carol\toperator\tREVOKED\t0 key/,
    );
  });

  it('sets a user’s policy profile, checking it against the fleet config', async () => {
    await run('users', 'add', 'pat', '--role', 'operator', '--data', data);
    const config = join(dir, 'fleet.yaml');
    writeFileSync(
      config,
      'policies:\n  profiles:\n    web-ops: { extends: read-only, rules: [{ allow: "nginx -t" }] }\n',
    );
    expect(
      (await run('users', 'set-policy', 'pat', 'web-ops', '--config', config, '--data', data)).code,
    ).toBe(0);
    expect((await run('users', 'list', '--data', data)).out).toMatch(/pat\t.*policy=web-ops/);
    const unknown = await run(
      'users',
      'set-policy',
      'pat',
      'nope',
      '--config',
      config,
      '--data',
      data,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /profile "nope" is not defined .* known: read-only, operator, unrestricted, web-ops/,
    );
    expect((await run('users', 'set-policy', 'pat', 'default', '--data', data)).code).toBe(0);
    expect((await run('users', 'list', '--data', data)).out).toMatch(/pat\t.*policy=default/);
  });

  it('narrows the tools a user sees with set-tools, refuses unknown toolsets, and widens them again', async () => {
    await run('users', 'add', 'tess', '--role', 'operator', '--data', data);
    const narrowed = await run(
      'users',
      'set-tools',
      'tess',
      '--toolsets',
      'hosts,jobs',
      '--read-only',
      '--data',
      data,
    );
    expect(narrowed.code).toBe(0);
    expect(narrowed.out).toMatch(/tess now sees toolsets hosts, jobs, read-only tools only/);
    expect((await run('users', 'list', '--data', data)).out).toMatch(
      /tess\t.*tools=hosts,jobs,read-only/,
    );
    const unknown = await run('users', 'set-tools', 'tess', '--toolsets', 'shells', '--data', data);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown toolsets: shells; known: hosts, exec, jobs/);
    expect((await run('users', 'list', '--data', data)).out).toMatch(/tools=hosts,jobs,read-only/);
    // Only the switch changes; the toolsets stay.
    await run('users', 'set-tools', 'tess', '--read-write', '--data', data);
    expect((await run('users', 'list', '--data', data)).out).toMatch(/tess\t.*tools=hosts,jobs$/m);
    await run('users', 'set-tools', 'tess', '--toolsets', 'all', '--data', data);
    expect((await run('users', 'list', '--data', data)).out).toMatch(/tess\t.*tools=all$/m);
    const audit = (await run('audit', 'tail', '--data', data)).out;
    expect(audit).toMatch(/users set-tools tess toolsets hosts, jobs, read-only tools only/);
    // Given when the user is added, they hold from the start.
    await run(
      'users',
      'add',
      'zoe',
      '--role',
      'operator',
      '--toolsets',
      'jobs',
      '--read-only',
      '--data',
      data,
    );
    expect((await run('users', 'list', '--data', data)).out).toMatch(
      /zoe\t.*tools=jobs,read-only$/m,
    );
  });

  it('rotates keys: the new key replaces the old, or joins it with --keep-old', async () => {
    await run('users', 'add', 'dave', '--role', 'viewer', '--data', data);
    expect((await run('keys', 'rotate', 'dave', '--data', data)).out).toMatch(
      /revoked [0-9a-f]{12}/,
    );
    expect((await run('keys', 'rotate', 'dave', '--keep-old', '--data', data)).out).toMatch(
      /old keys still work/,
    );
    expect((await run('keys', 'list', 'dave', '--data', data)).out.split('\n')).toHaveLength(2);
  });

  it('serve refuses to offer sign-in over plain http beyond this machine, before opening anything', async () => {
    const r = await run('serve', '--public-url', 'http://gateway.example.com', '--memory');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--public-url must be https:\/\/ .*put TLS in front/);
    const open = await run('serve', '--host', '0.0.0.0', '--memory');
    expect(open.code).toBe(2);
    expect(open.err).toMatch(/sign-in pages would be served over plain http .*--auth key/);
  });

  it('refuses bad input with a message and a non-zero exit, changing nothing', async () => {
    const badRole = await run('users', 'add', 'eve', '--role', 'root', '--data', data);
    expect(badRole).toMatchObject({
      code: 1,
      err: expect.stringMatching(/role "root" is not one of/),
    });
    const dup = await run('users', 'add', 'dave', '--role', 'viewer', '--data', data);
    expect(dup).toMatchObject({ code: 1, err: 'error: user "dave" already exists' });
    const typo = await run('users', 'add', 'eve', '--rol', 'viewer', '--data', data);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/usage:/);
    expect((await run('users', 'list', '--data', data)).out).not.toMatch(/eve/);
  });

  it('tails the audit log, filters by user, and verifies the chain', async () => {
    const tail = await run('audit', 'tail', '--limit', '3', '--data', data);
    expect(tail.out.split('\n')).toHaveLength(3);
    expect(tail.out).toMatch(/keys rotate dave/);
    const verify = await run('audit', 'verify', '--data', data);
    expect(verify).toMatchObject({
      code: 0,
      out: expect.stringMatching(/audit chain OK: \d+ record/),
    });
  });

  it('audit verify exits non-zero when a record was altered', async () => {
    const store = await openStore({ kind: 'embedded', dataDir: data }, systemClock);
    try {
      const [first] = await store.auditStore.range({ limit: 1 });
      // Rewrite record 1 with a changed event but its old hash, as an intruder with table access would.
      const forged = {
        pk: 'chain',
        seq: 1,
        time: first!.time,
        prevHash: first!.prevHash,
        hash: first!.hash,
        event: JSON.stringify({ ...first!.event, detail: 'forged' }),
      };
      await documentClient(store.dynamo).send(
        new PutCommand({ TableName: store.tables.audit, Item: forged }),
      );
    } finally {
      await store.close();
    }
    const verify = await run('audit', 'verify', '--data', data);
    expect(verify.code).toBe(1);
    expect(verify.err).toMatch(/BROKEN at seq 1/);
  });

  it('config check summarises a valid file, including its policy profiles', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      'policies:\n  profiles:\n    web-ops: { extends: operator }\n  hosts: [{ when: { tags: [prod] }, profile: read-only }]\n',
    );
    const r = await run('config', 'check', file);
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/OK — 0 host\(s\)/);
    expect(r.out).toMatch(
      /profiles read-only, operator, unrestricted, web-ops; default operator; 1 host narrowing rule/,
    );
  });

  it('config check lists every problem and exits 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'hosts:\n  - { name: a, address: x, user: u, credential: nope }\n');
    const r = await run('config', 'check', file);
    expect(r.code).toBe(2);
    expect(r.err).toContain('hosts[0].credential: unknown credential "nope"');
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('serve starts on a fresh directory with no fleet.yaml, prints the URL and a working admin key, and a key-only endpoint beside', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'smg-serve-'));
    const port = await freePort();
    const keyOnlyPort = await freePort();
    const child = spawn(
      process.execPath,
      [
        resolve('bin/ssh-mcp-gateway.js'),
        'serve',
        '--port',
        String(port),
        '--key-only-port',
        String(keyOnlyPort),
      ],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const deadline = Date.now() + 20_000;
      while (!/Connect an MCP client/.test(output) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain(`http://127.0.0.1:${port}/mcp`);
      expect(output).toMatch(/no fleet\.yaml yet/);
      // Output is not a terminal here (a service manager's journal would keep it): the key goes
      // to a file only its owner can read, never to stdout.
      expect(output).not.toMatch(apiKeyPattern);
      const file = /API key is in (\S+) /.exec(output)?.[1];
      expect(file).toBeDefined();
      expect(statSync(file ?? '').mode & 0o777).toBe(0o600);
      const key = apiKeyPattern.exec(readFileSync(file ?? '', 'utf8'))?.[0];
      expect(key).toBeDefined();
      const client = new Client({ name: 't', version: '1' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${key}` } },
        }),
      );
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toMatchObject({
        name: 'admin',
        role: 'admin',
        visibleHostCount: 0,
      });
      // Refused calls, for `audit tail` below: a tool that is not there, arguments the schema refuses.
      await expect(client.callTool({ name: 'shadow_tool', arguments: {} })).rejects.toThrow(
        /Tool shadow_tool not found/,
      );
      expect(
        (await client.callTool({ name: 'describe_host', arguments: { host: 42 } })).isError,
      ).toBe(true);
      await client.close();

      expect(output).toContain(
        `key-only endpoint (API keys, no OAuth discovery) on http://127.0.0.1:${keyOnlyPort}/mcp`,
      );
      const challenge = async (p: number, auth?: string) => {
        const res = await mcpPost(
          `http://127.0.0.1:${p}/mcp`,
          initializeRequest('2025-11-25', 'c'),
          auth ? { authorization: auth } : {},
        );
        await res.body?.cancel();
        return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '' };
      };
      expect((await challenge(port)).challenge).toContain('resource_metadata=');
      expect(await challenge(keyOnlyPort)).toMatchObject({
        status: 401,
        challenge: expect.not.stringContaining('resource_metadata'),
      });
      expect((await challenge(keyOnlyPort, `Bearer ${key}`)).status).toBe(200);
      expect(
        (await fetch(`http://127.0.0.1:${keyOnlyPort}/.well-known/oauth-protected-resource`))
          .status,
      ).toBe(404);
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
    expect(output).toMatch(/shutting down/);
    try {
      // What the operator sees afterwards: every refusal above, by whom and why.
      const tail = await run('audit', 'tail', '--limit', '20', '--data', join(cwd, '.data'));
      expect(tail.out).toMatch(/tool\.call {2}admin {2}shadow_tool {2}outcome=NOT_FOUND/);
      expect(tail.out).toMatch(
        /tool\.call {2}admin {2}describe_host {2}outcome=INVALID_INPUT .*invalid arguments for describe_host: host:/,
      );
      expect(tail.out).toMatch(
        /request\.refused {2}- {2}outcome=401 {2}POST \/mcp: no credential {2}address=127\.0\.0\.1/,
      );
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});
