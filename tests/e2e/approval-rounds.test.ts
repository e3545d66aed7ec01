import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  StreamableHTTPClientTransport,
  type Client,
  type ClientCapabilities,
} from '@modelcontextprotocol/client';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { approvalCast, fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { launchChromium } from '../support/browser.js';
import { mcpPost, sdkClient, type Era } from '../support/mcp-client.js';
import { approveWithKey } from '../support/approve.js';

const SYNC_BUDGET_SECONDS = 2;
const OPENS_URLS: ClientCapabilities = { elicitation: { url: {} } };
/** What a client sends back once its person went to the page. */
const ACCEPTED = { inputResponses: { approval: { action: 'accept' } } };

type Structured = { structuredContent: Record<string, any>; isError?: boolean };

describe('a call held for approval, picked up again by the client (2026-07-28 input_required)', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let origin: string;
  const keys: Record<string, string> = {};
  /** Files the hosts' login user may remove (not in /tmp itself, whose sticky bit forbids it). */
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smg-mrtr-'));
    chmodSync(dir, 0o777);
    fleet = await startSshFleet(1, { prefix: 'mrtr' });
    gw = await startGateway(
      fleetDocument(fleet, { limits: { syncBudgetSeconds: SYNC_BUDGET_SECONDS } }),
    );
    origin = new URL(gw.url).origin;
    Object.assign(keys, await approvalCast(gw));
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * olive's client in the given era, declaring the given capabilities. Its elicitation handler
   * records each request and answers with what `onUrl` does, as a person in the client would.
   */
  async function connect(
    era: Era,
    capabilities: ClientCapabilities,
    onUrl: (url: string) => Promise<'accept' | 'decline' | 'cancel'> = async () => 'accept',
  ) {
    const seen: { mode?: string; url?: string; message: string }[] = [];
    const client: Client = sdkClient(era, { capabilities });
    if (capabilities.elicitation)
      client.setRequestHandler('elicitation/create', async (request) => {
        const params = request.params as { mode?: string; url?: string; message: string };
        seen.push(params);
        return { action: params.url ? await onUrl(params.url) : 'decline' };
      });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), {
        requestInit: { headers: { Authorization: `Bearer ${keys['olive']}` } },
      }),
    );
    return { client, seen };
  }

  /** A person with the approver role opens the link, signs in with their key and decides. */
  async function decideInBrowser(url: string, decision: 'approve' | 'deny') {
    const page = await (await chromium.browser.newContext()).newPage();
    await page.goto(url);
    await page.fill('#api_key', keys['ann']!);
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
    await Promise.all([page.waitForURL(/done=/), page.click(`button[value=${decision}]`)]);
    return page.locator('#status').textContent();
  }

  const victim = () => {
    const file = join(dir, `${Date.now()}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(file, 'x');
    return file;
  };

  it('sends the person to the page; after a second person approves there, the same call runs', async () => {
    const file = victim();
    const { client, seen } = await connect('modern', OPENS_URLS, async (url) => {
      // Nothing has run while the call waits for the decision.
      expect(existsSync(file)).toBe(true);
      expect(await decideInBrowser(url, 'approve')).toBe('approved');
      return 'accept';
    });
    const result = (await client.callTool({
      name: 'run_command',
      arguments: { host: 'mrtr-1', command: `rm -f ${file}`, justification: 'clean up' },
    })) as Structured;
    expect(result.isError, JSON.stringify(result)).toBeFalsy();
    expect(result.structuredContent.results[0]).toMatchObject({ host: 'mrtr-1', status: 'ok' });
    expect(result.structuredContent.approval).toMatchObject({
      status: 'consumed',
      approver: 'ann',
    });
    expect(existsSync(file)).toBe(false);
    // One round: the page, built under the origin the gateway is reached at.
    expect(seen).toHaveLength(1);
    const id = result.structuredContent.approval.id as string;
    expect(seen[0]).toMatchObject({ mode: 'url', url: `${origin}/approvals/${id}` });
    expect(seen[0]?.message).toContain(id);
    const events = (await gw.gateway.store.auditStore.range({ limit: 40, newestFirst: true })).map(
      (r) => r.event,
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'approval.approved', user: 'ann', approvalId: id }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'approval.consumed', user: 'olive', approvalId: id }),
    );
    await client.close();
  });

  it('says so when the approver denies, and runs nothing', async () => {
    const file = victim();
    const { client } = await connect('modern', OPENS_URLS, async (url) => {
      await decideInBrowser(url, 'deny');
      return 'accept';
    });
    const result = (await client.callTool({
      name: 'run_command',
      arguments: { host: 'mrtr-1', command: `rm -f ${file}` },
    })) as Structured;
    expect(result.structuredContent.approval).toMatchObject({ status: 'denied', approver: 'ann' });
    expect(result.structuredContent.results[0]).toMatchObject({ status: 'denied' });
    expect(existsSync(file)).toBe(true);
    await client.close();
  });

  it('stops when the person declines to go to the page, even once it is approved, and spends nothing', async () => {
    const file = victim();
    const { client } = await connect('modern', OPENS_URLS, async (url) => {
      await approveWithKey(gw.gateway.deps, keys['ann']!, url.split('/').pop()!);
      return 'decline';
    });
    const result = (await client.callTool({
      name: 'run_command',
      arguments: { host: 'mrtr-1', command: `rm -f ${file}` },
    })) as Structured & { content: { text: string }[] };
    expect(result.isError).toBe(true);
    expect(result.content[0]?.text).toMatch(
      /did not continue to the approval page, so nothing ran/,
    );
    expect(existsSync(file)).toBe(true);
    const id = /approval (apr_\S+) was not used/.exec(result.content[0]!.text)![1]!;
    expect((await gw.gateway.deps.approvals.get(id))?.status).toBe('approved');
    const [latest] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
    expect(latest?.event).toMatchObject({ type: 'tool.call', outcome: 'DECLINED', user: 'olive' });
    await client.close();
  });

  it('answers a retry still pending after the sync budget with the plain result, never a second input_required', async () => {
    const file = victim();
    const { client, seen } = await connect('modern', OPENS_URLS);
    const started = Date.now();
    const result = (await client.callTool({
      name: 'run_command',
      arguments: { host: 'mrtr-1', command: `rm -f ${file}` },
    })) as Structured;
    expect(seen).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual((SYNC_BUDGET_SECONDS - 1) * 1000);
    expect(result.structuredContent.approval).toMatchObject({ status: 'pending' });
    expect(result.structuredContent.results[0]).toMatchObject({ status: 'approval_required' });
    expect(existsSync(file)).toBe(true);
    await client.close();
  });

  it.each([
    ['a 2025-era client, even one that declares URL elicitation', 'legacy', OPENS_URLS],
    ['a 2026-07-28 client that declares forms only', 'modern', { elicitation: {} }],
    ['a 2026-07-28 client that declares no elicitation', 'modern', {}],
  ] as const)('gives %s the plain approval_required result', async (_who, era, capabilities) => {
    const { client, seen } = await connect(era, capabilities);
    const result = (await client.callTool({
      name: 'run_command',
      arguments: { host: 'mrtr-1', command: `rm -f /tmp/smg-mrtr-plain-${era}-${Date.now()}` },
    })) as Structured;
    expect(seen).toHaveLength(0);
    expect(result.structuredContent.approval).toMatchObject({ status: 'pending' });
    expect(result.structuredContent.approval.message).toContain(`${origin}/approvals/`);
    await client.close();
  });

  describe('a requestState that comes back', () => {
    /** One raw 2026-07-28 tools/call (run_command unless said), from a client that opens URLs. */
    async function rawCall(
      key: string,
      args: Record<string, unknown>,
      retry: Record<string, unknown> = {},
      tool = 'run_command',
    ): Promise<{ result?: Record<string, any>; error?: { code: number; message: string } }> {
      const res = await mcpPost(
        gw.url,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: tool,
            arguments: args,
            ...retry,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
              'io.modelcontextprotocol/clientCapabilities': OPENS_URLS,
            },
          },
        },
        {
          authorization: `Bearer ${key}`,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': tool,
        },
      );
      return (await res.json()) as never;
    }

    /** A held call's first answer, approved by ann through the core (the page is tested above). */
    async function heldAndApproved(command: string) {
      const first = await rawCall(keys['olive']!, { host: 'mrtr-1', command });
      expect(first.result?.['resultType']).toBe('input_required');
      const id = new URL(first.result!['inputRequests'].approval.params.url as string).pathname
        .split('/')
        .pop()!;
      await approveWithKey(gw.gateway.deps, keys['ann']!, id);
      return { id, state: first.result!['requestState'] as string };
    }

    const latestAudit = async () =>
      (await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true }))[0]?.event;

    it('is refused when forged or altered, and the refusal is recorded', async () => {
      const command = `rm -f /tmp/smg-mrtr-forged-${Date.now()}`;
      const { state } = await heldAndApproved(command);
      const [body, mac] = state.slice('v1.'.length).split('.') as [string, string];
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
      payload.p.user = 'oscar';
      const altered = `v1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
      for (const forged of ['v1.e30.AAAA', altered, 'not-a-state']) {
        const answer = await rawCall(
          keys['olive']!,
          { host: 'mrtr-1', command },
          { requestState: forged, inputResponses: { approval: { action: 'accept' } } },
        );
        expect(answer.error).toMatchObject({
          code: -32602,
          message: 'Invalid or expired requestState',
        });
        expect(await latestAudit()).toMatchObject({
          type: 'tool.call',
          user: 'olive',
          tool: 'run_command',
          outcome: 'INVALID_REQUEST_STATE',
        });
      }
    });

    it('is refused when it is not a string, or comes on a 2025-era request', async () => {
      const command = `rm -f /tmp/smg-mrtr-odd-${Date.now()}`;
      const { state } = await heldAndApproved(command);
      const notString = await rawCall(
        keys['olive']!,
        { host: 'mrtr-1', command },
        { requestState: 42 },
      );
      expect(notString.error?.code).toBe(-32602);
      expect(await latestAudit()).toMatchObject({
        tool: 'run_command',
        outcome: 'INVALID_INPUT',
        detail: 'tools/call whose requestState is not a string',
      });
      // A 2025-era call: no envelope, no revision header (a stateless server takes it as is).
      const res = await mcpPost(
        gw.url,
        {
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'run_command',
            arguments: { host: 'mrtr-1', command },
            requestState: state,
          },
        },
        { authorization: `Bearer ${keys['olive']}` },
      );
      const legacy = (await res.json()) as { error?: { code: number } };
      expect(legacy.error?.code).toBe(-32602);
      expect(await latestAudit()).toMatchObject({ outcome: 'INVALID_REQUEST_STATE' });
    });

    it('is refused from another user, with another approval id, or on another tool', async () => {
      const command = `rm -f /tmp/smg-mrtr-other-${Date.now()}`;
      const { state } = await heldAndApproved(command);
      const fromOscar = await rawCall(
        keys['oscar']!,
        { host: 'mrtr-1', command },
        { requestState: state, ...ACCEPTED },
      );
      expect(fromOscar.error?.code).toBe(-32602);
      expect(await latestAudit()).toMatchObject({
        user: 'oscar',
        outcome: 'INVALID_REQUEST_STATE',
      });
      const otherId = await rawCall(
        keys['olive']!,
        { host: 'mrtr-1', command, approvalId: 'apr_AAAAAAAAAAAA' },
        { requestState: state, ...ACCEPTED },
      );
      expect(otherId.error?.code).toBe(-32602);
      const otherTool = await rawCall(
        keys['olive']!,
        { host: 'mrtr-1', command },
        { requestState: state, ...ACCEPTED },
        'start_job',
      );
      expect(otherTool.error?.code).toBe(-32602);
      expect(await latestAudit()).toMatchObject({
        tool: 'start_job',
        outcome: 'INVALID_REQUEST_STATE',
      });
      // Still usable by its own call afterwards: nothing was spent by the refusals.
      const ran = await rawCall(
        keys['olive']!,
        { host: 'mrtr-1', command },
        { requestState: state, ...ACCEPTED },
      );
      expect(ran.result?.['structuredContent'].results[0]).toMatchObject({ status: 'ok' });
    });

    it('runs the command once: a replay after it ran is refused by the approval', async () => {
      const command = `rm -f /tmp/smg-mrtr-replay-${Date.now()}`;
      const { id, state } = await heldAndApproved(command);
      const ran = await rawCall(
        keys['olive']!,
        { host: 'mrtr-1', command },
        { requestState: state, ...ACCEPTED },
      );
      expect(ran.result?.['structuredContent'].approval).toMatchObject({ id, status: 'consumed' });
      const replay = await rawCall(
        keys['olive']!,
        { host: 'mrtr-1', command },
        { requestState: state, ...ACCEPTED },
      );
      expect(replay.result?.['isError']).toBe(true);
      expect(replay.result?.['content'][0].text).toMatch(/already used/);
      expect(await latestAudit()).toMatchObject({ user: 'olive', outcome: 'INVALID_INPUT' });
    });
  });
});
