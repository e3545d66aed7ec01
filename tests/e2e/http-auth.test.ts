import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { revokeUser, rotateKey } from '../../src/core/users/user-admin.js';
import { hashApiKey } from '../../src/core/users/api-key.js';
import { formatRecord } from '../../src/cli/commands/audit.js';
import { systemClock } from '../../src/core/ports.js';
import { initializeRequest, mcpPost } from '../support/mcp-client.js';

/** One request on its own connection (no keep-alive reuse), with full control over headers. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: pathname,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const initialize = initializeRequest('2025-06-18');

describe('HTTP surface', () => {
  let gw: TestGateway;
  let operatorKey: string;

  beforeAll(async () => {
    gw = await startGateway({ hosts: [] });
    operatorKey = await gw.user({ name: 'ops', role: 'operator' });
  });
  afterAll(async () => gw?.close());

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    mcpPost(gw.url, body, headers);

  it('answers /healthz without auth', async () => {
    const res = await fetch(gw.url.replace('/mcp', '/healthz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('returns 401 with WWW-Authenticate: Bearer when the key is missing', async () => {
    const res = await post(initialize);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await res.json()) as { message: string }).message).toMatch(/Authorization: Bearer/);
  });

  it('returns 401 for a key that does not exist', async () => {
    const res = await post(initialize, { authorization: `Bearer smg_${'A'.repeat(43)}` });
    expect(res.status).toBe(401);
  });

  it('serves initialize as JSON for a valid key', async () => {
    const res = await post(initialize, { authorization: `Bearer ${operatorKey}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { result: { serverInfo: { name: string } } };
    expect(body.result.serverInfo.name).toBe('ssh-mcp-gateway');
  });

  it('answers GET and DELETE /mcp with 405', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(gw.url, {
        method,
        headers: { authorization: `Bearer ${operatorKey}` },
      });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('refuses a foreign Host or Origin with 403 (DNS rebinding)', async () => {
    const port = new URL(gw.url).port;
    const badHost = await rawPost(gw.url, JSON.stringify(initialize), {
      host: `evil.example:${port}`,
      authorization: `Bearer ${operatorKey}`,
    });
    expect(badHost).toBe(403);
    const badOrigin = await post(initialize, {
      authorization: `Bearer ${operatorKey}`,
      origin: 'http://evil.example',
    });
    expect(badOrigin.status).toBe(403);
    const goodOrigin = await post(initialize, {
      authorization: `Bearer ${operatorKey}`,
      origin: `http://127.0.0.1:${port}`,
    });
    expect(goodOrigin.status).toBe(200);
  });

  it('caps request bodies with 413', async () => {
    const body = JSON.stringify({ ...initialize, padding: 'x'.repeat(2 * 1024 * 1024) });
    expect(
      await rawPost(gw.url, body, {
        authorization: `Bearer ${operatorKey}`,
        host: new URL(gw.url).host,
      }),
    ).toBe(413);
  });

  it('closes the connection after a 413, rather than keep it alive with the body unread', async () => {
    const { hostname, port, pathname, host } = new URL(gw.url);
    const socket = connect(Number(port), hostname);
    const length = 2 * 1024 * 1024;
    let response = '';
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (d: Buffer) => (response += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(
      `POST ${pathname} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\n` +
        `Authorization: Bearer ${operatorKey}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${length}\r\n\r\n`,
    );
    socket.write('x'.repeat(length / 2));
    const outcome = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still open'), 3000)),
    ]);
    socket.destroy();
    expect(response).toMatch(/^HTTP\/1\.1 413/);
    expect(response.toLowerCase()).toContain('connection: close');
    expect(outcome).toBe('closed');
  });

  it('stops accepting a rotated-out key and a revoked user on the very next request', async () => {
    const key = await gw.user({ name: 'temp', role: 'viewer' });
    expect((await post(initialize, { authorization: `Bearer ${key}` })).status).toBe(200);
    const { key: second } = await rotateKey(gw.gateway.deps.users, 'temp', systemClock);
    expect((await post(initialize, { authorization: `Bearer ${key}` })).status).toBe(401);
    expect((await post(initialize, { authorization: `Bearer ${second}` })).status).toBe(200);
    const { key: third } = await rotateKey(gw.gateway.deps.users, 'temp', systemClock, {
      keepOld: true,
    });
    expect((await post(initialize, { authorization: `Bearer ${second}` })).status).toBe(200);
    expect((await post(initialize, { authorization: `Bearer ${third}` })).status).toBe(200);
    await revokeUser(gw.gateway.deps.users, 'temp');
    expect((await post(initialize, { authorization: `Bearer ${second}` })).status).toBe(401);
    expect((await post(initialize, { authorization: `Bearer ${third}` })).status).toBe(401);
  });

  it('authenticates a key that names its user with one read of the users table, refuses it under another name, and still takes a key issued before keys named their user', async () => {
    const key = await gw.user({ name: 'ann@example.com', role: 'viewer' });
    expect(key).toMatch(/^smg_ann~example\.com\./);
    const reads: string[] = [];
    const counter = gw.gateway.store.dynamo.middlewareStack;
    counter.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; RequestItems?: object };
        const tables = input.TableName ?? Object.keys(input.RequestItems ?? {}).join(',');
        if (tables.includes('users')) reads.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'countUserReads' },
    );
    try {
      expect((await post(initialize, { authorization: `Bearer ${key}` })).status).toBe(200);
      expect(reads).toEqual(['BatchGetItemCommand']);
      // Another user's name in front of the same secret: the key item names ann, so it is refused.
      await gw.user({ name: 'bob', role: 'admin' });
      const forged = key.replace('smg_ann~example.com.', 'smg_bob.');
      expect((await post(initialize, { authorization: `Bearer ${forged}` })).status).toBe(401);
    } finally {
      counter.remove('countUserReads');
    }
    // A key issued before keys named their user (smg_ and 43 characters) still works, in two reads.
    const legacy = `smg_${'L'.repeat(43)}`;
    await gw.gateway.deps.users.addKey({
      keyHash: hashApiKey(legacy),
      keyId: hashApiKey(legacy).slice(0, 12),
      userName: 'ann@example.com',
      createdAt: new Date().toISOString(),
    });
    expect((await post(initialize, { authorization: `Bearer ${legacy}` })).status).toBe(200);
    await revokeUser(gw.gateway.deps.users, 'ann@example.com');
    expect((await post(initialize, { authorization: `Bearer ${key}` })).status).toBe(401);
    expect((await post(initialize, { authorization: `Bearer ${legacy}` })).status).toBe(401);
  });

  describe('audit of refused requests', () => {
    const refusals = async () =>
      (await gw.gateway.store.auditStore.range({ limit: 200, newestFirst: true }))
        .filter((r) => r.event.type === 'request.refused')
        .map((r) => r.event);

    it('records a missing key, an unknown key (by its public id, never the key), a revoked user’s key, a foreign Host and a 413, with the address', async () => {
      const unknownKey = `smg_${'Q'.repeat(43)}`;
      const revokedKey = await gw.user({ name: 'gone', role: 'viewer' });
      await revokeUser(gw.gateway.deps.users, 'gone');
      const before = (await refusals()).length;
      await post(initialize);
      await post(initialize, { authorization: `Bearer ${unknownKey}` });
      await post(initialize, { authorization: `Bearer ${revokedKey}` });
      await rawPost(gw.url, JSON.stringify(initialize), {
        host: 'evil.example',
        authorization: `Bearer ${operatorKey}`,
      });
      await rawPost(gw.url, JSON.stringify({ ...initialize, pad: 'x'.repeat(2 * 1024 * 1024) }), {
        authorization: `Bearer ${operatorKey}`,
        host: new URL(gw.url).host,
      });
      const events = (await refusals()).slice(0, (await refusals()).length - before).reverse();
      expect(events.map((e) => [e.outcome, e.detail, e.address])).toEqual([
        ['401', 'POST /mcp: no credential', '127.0.0.1'],
        [
          '401',
          `POST /mcp: API key ${hashApiKey(unknownKey).slice(0, 12)} is not known (never issued, or revoked)`,
          '127.0.0.1',
        ],
        [
          '401',
          `POST /mcp: API key ${hashApiKey(revokedKey).slice(0, 12)} is not known (never issued, or revoked)`,
          '127.0.0.1',
        ],
        ['403', 'POST /mcp: Host "evil.example" is not served here', '127.0.0.1'],
        ['413', `POST /mcp: request bodies are limited to ${1024 * 1024} bytes`, '127.0.0.1'],
      ]);
      const all = JSON.stringify(await gw.gateway.store.auditStore.range({ limit: 500 }));
      expect(all).not.toContain(unknownKey.slice(4));
      expect(all).not.toContain(revokedKey.slice(4));
    });

    it('shows them in `audit tail`', async () => {
      const [latest] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
      expect(formatRecord(latest!)).toMatch(
        /request\.refused {2}- {2}outcome=413 {2}POST \/mcp: request bodies are limited .* {2}address=127\.0\.0\.1$/,
      );
    });

    it('names each request by an id of its own, never the X-Request-Id a client sends', async () => {
      const res = await post(initialize, { 'x-request-id': 'someone-elses-request' });
      expect(res.status).toBe(401);
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const [latest] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
      expect(latest?.event.requestId).toBe(id);
    });
  });
});
