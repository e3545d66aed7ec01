import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { sdkClient, type Era } from '../support/mcp-client.js';
import type { User } from '../../src/core/users/user.js';

const HOSTS_TOOLS = ['whoami', 'list_hosts', 'describe_host', 'check_hosts'];

describe('toolsets: a narrower tool list, by URL and by user', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    fleet = await startSshFleet(1, { prefix: 'ts' });
    gw = await startGateway(fleetDocument(fleet));
    const access = { tags: ['test'] };
    keys.op = await gw.user({ name: 'ts-op', role: 'operator', access });
    keys.viewer = await gw.user({ name: 'ts-viewer', role: 'viewer', access });
    keys.jobsOnly = await gw.user({ name: 'ts-jobs', role: 'operator', access });
    const users = gw.gateway.deps.users;
    const jobsOnly = (await users.getUser('ts-jobs')) as User;
    await users.putUser({ ...jobsOnly, toolsets: ['jobs'] });
  });
  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  const connect = async (era: Era, key: string, query = '') => {
    const client = sdkClient(era);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}${query}`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  };
  const names = async (era: Era, key: string, query = '') =>
    (await (await connect(era, key, query)).listTools()).tools.map((t) => t.name);

  for (const era of ['modern', 'legacy'] as const) {
    it(`narrows the list to the toolsets a URL names, and to read-only tools (${era} era)`, async () => {
      expect(await names(era, keys.op!, '?toolsets=hosts')).toEqual(HOSTS_TOOLS);
      expect(await names(era, keys.op!, '?toolsets=hosts,jobs&readonly=true')).toEqual([
        ...HOSTS_TOOLS,
        'get_job',
        'list_jobs',
      ]);
      const all = await names(era, keys.op!);
      expect(all).toContain('run_command');
      // Read-only by the tools' own annotations: nothing that changes a host or a job.
      const readOnly = await names(era, keys.op!, '?readonly=1');
      expect(readOnly).not.toContain('run_command');
      expect(readOnly).not.toContain('start_job');
      expect(readOnly).not.toContain('cancel_job');
      expect(readOnly).toContain('plan_command');
    });
  }

  it('refuses a call to a tool the URL left out, saying why, and records it', async () => {
    const client = await connect('modern', keys.op!, '?toolsets=hosts');
    const call = client.callTool({
      name: 'run_command',
      arguments: { host: fleet.hosts[0]!.name, command: 'echo never' },
    });
    await expect(call).rejects.toThrow(
      /run_command is left out of this connection.*toolsets hosts/,
    );
    const audit = await gw.gateway.store.auditStore.range({ limit: 20, newestFirst: true });
    expect(
      audit.some(
        (r) =>
          r.event.type === 'tool.call' &&
          r.event.user === 'ts-op' &&
          r.event.tool === 'run_command' &&
          r.event.outcome === 'NOT_FOUND',
      ),
    ).toBe(true);
  });

  it('never widens what a role allows, nor says what a role hides', async () => {
    expect(await names('modern', keys.viewer!, '?toolsets=exec')).toEqual([]);
    const client = await connect('modern', keys.viewer!, '?toolsets=exec');
    await expect(
      client.callTool({ name: 'run_command', arguments: { host: 'x', command: 'true' } }),
    ).rejects.toThrow(/Tool run_command not found/);
  });

  it('applies a user’s own toolsets too: a URL narrows them further, never past them', async () => {
    expect(await names('legacy', keys.jobsOnly!)).toEqual([
      'start_job',
      'get_job',
      'cancel_job',
      'list_jobs',
    ]);
    expect(await names('legacy', keys.jobsOnly!, '?toolsets=hosts,jobs&readonly=true')).toEqual([
      'get_job',
      'list_jobs',
    ]);
    expect(await names('legacy', keys.jobsOnly!, '?toolsets=hosts')).toEqual([]);
  });

  it('answers a URL naming an unknown toolset with 400 and the names it knows', async () => {
    const res = await fetch(`${gw.url}?toolsets=hosts,shells`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keys.op}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { message: string };
    expect(body.message).toMatch(/unknown toolsets \(shells\).*hosts, exec, jobs/);
  });
});
