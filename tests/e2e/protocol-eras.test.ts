import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { initializeRequest, mcpPost, sdkClient, type Era } from '../support/mcp-client.js';

const MODERN = '2026-07-28';

describe('both protocol eras on one endpoint, over real HTTP and real sshd', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let key: string;

  beforeAll(async () => {
    fleet = await startSshFleet(2, { prefix: 'era' });
    gw = await startGateway(fleetDocument(fleet));
    key = await gw.user({ name: 'era-op', role: 'operator', access: { tags: ['test'] } });
  });
  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  const connect = async (era: Era) => {
    const client = sdkClient(era);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  };

  /** One raw POST /mcp as the operator, with the given extra headers. */
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    mcpPost(gw.url, body, { authorization: `Bearer ${key}`, ...headers });

  /** The per-request envelope 2026-07-28 requires, claiming a revision. */
  const envelope = (revision: string) => ({
    'io.modelcontextprotocol/protocolVersion': revision,
    'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  });

  /** One raw modern request, with the headers and envelope 2026-07-28 requires. */
  const modernPost = (
    method: string,
    params: Record<string, unknown>,
    headers: Record<string, string> = {},
    revision = MODERN,
  ) =>
    post(
      { jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: envelope(revision) } },
      { 'mcp-protocol-version': revision, 'mcp-method': method, ...headers },
    );

  for (const era of ['modern', 'legacy'] as const) {
    it(`lists tools and runs a command on every host (${era} era)`, async () => {
      const client = await connect(era);
      expect(client.getProtocolEra()).toBe(era);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('run_command');
      const result = await client.callTool({
        name: 'run_command',
        arguments: { tags: ['test'], command: `echo ${era}; hostname -s >/dev/null` },
      });
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      expect(result.structuredContent).toMatchObject({
        summary: { total: 2, ok: 2 },
        groups: [{ stdout: `${era}\n` }],
      });
      await client.close();
    });
  }

  it('answers server/discover with the revision, the tools capability and the instructions', async () => {
    const res = await modernPost('server/discover', {});
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: Record<string, any> };
    expect(body.result.supportedVersions).toContain(MODERN);
    expect(body.result.capabilities).toHaveProperty('tools');
    expect(body.result.instructions).toMatch(/fleet of Linux hosts/);
    expect(body.result._meta['io.modelcontextprotocol/serverInfo'].name).toBe('ssh-mcp-gateway');
  });

  it('marks the tool list private to the caller, with a time to live', async () => {
    const res = await modernPost('tools/list', {});
    const body = (await res.json()) as { result: { ttlMs: number; cacheScope: string } };
    expect(body.result).toMatchObject({ ttlMs: 60_000, cacheScope: 'private' });
  });

  it('refuses an Mcp-Method header that disagrees with the body with 400 and -32020, never a 5xx', async () => {
    const res = await modernPost('tools/list', {}, { 'mcp-method': 'tools/call' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32020);
  });

  it('names the revisions it speaks when asked for one it does not', async () => {
    const res = await modernPost('tools/list', {}, {}, '2099-01-01');
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: number; data: { supported: string[] } } };
    expect(body.error.code).toBe(-32022);
    expect(body.error.data.supported).toContain(MODERN);
  });

  it('answers 2025-era requests with plain JSON, not an event stream', async () => {
    const res = await post(initializeRequest());
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(
      ((await res.json()) as { result: { protocolVersion: string } }).result.protocolVersion,
    ).toBe('2025-11-25');
  });

  it('records a modern-era schema refusal like any other', async () => {
    const client = await connect('modern');
    const result = await client.callTool({ name: 'run_command', arguments: { host: 'era-1' } });
    await client.close();
    expect(result.isError).toBe(true);
    const [latest] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
    expect(latest?.event).toMatchObject({
      type: 'tool.call',
      user: 'era-op',
      tool: 'run_command',
      outcome: 'INVALID_INPUT',
    });
  });

  it('acknowledges subscriptions/listen and ends it gracefully at once: no stream is held open', async () => {
    const started = Date.now();
    const res = await modernPost('subscriptions/listen', {
      notifications: { toolsListChanged: true },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text())
      .split('\n\n')
      .filter((e) => e.includes('data:'))
      .map((e) => JSON.parse(e.slice(e.indexOf('data:') + 5)) as Record<string, any>);
    expect(Date.now() - started).toBeLessThan(2_000);
    // The SDK's acknowledgement, then the completion result that ends the subscription.
    expect(events).toHaveLength(2);
    expect(events[0]?.method).toBe('notifications/subscriptions/acknowledged');
    expect(events[1]).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { resultType: 'complete', _meta: { 'io.modelcontextprotocol/subscriptionId': 1 } },
    });
    const discover = (await (await modernPost('server/discover', {})).json()) as {
      result: { capabilities: { tools: { listChanged?: boolean } } };
    };
    expect(discover.result.capabilities.tools.listChanged).toBe(false);
  });

  it('records tools/call requests the SDK refuses before any handler runs', async () => {
    for (const params of [
      { name: 5, arguments: {} },
      { name: 'run_command', arguments: 'rm -rf /' },
    ]) {
      const res = await modernPost('tools/call', params, { 'mcp-name': String(params.name) });
      expect(res.status).toBeLessThan(500);
    }
    const latest = (await gw.gateway.store.auditStore.range({ limit: 2, newestFirst: true })).map(
      (r) => r.event,
    );
    expect(latest).toMatchObject([
      {
        type: 'tool.call',
        user: 'era-op',
        tool: 'run_command',
        outcome: 'INVALID_INPUT',
        detail: 'tools/call whose arguments are not an object',
      },
      { type: 'tool.call', tool: '-', detail: 'tools/call whose name is not a string' },
    ]);
  });

  it('gives each call of a 2025-era batch a request id of its own', async () => {
    const call = (id: number, name: string) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: {} },
    });
    const res = await post([call(1, 'whoami'), call(2, 'list_hosts')]);
    expect(res.status).toBe(200);
    const records = (await gw.gateway.store.auditStore.range({ limit: 2, newestFirst: true })).map(
      (r) => r.event,
    );
    expect(records.map((e) => e.tool).sort()).toEqual(['list_hosts', 'whoami']);
    const [first, second] = records.map((e) => e.requestId);
    expect(first).not.toBe(second);
    expect([first, second].sort()[1]).toBe(`${[first, second].sort()[0]}.2`);
  });
});
