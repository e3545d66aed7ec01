import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../support/gateway.js';
import { RawOAuthClient, mcpStatus, pkcePair, startCallbackServer } from '../support/oauth.js';
import { revokeUser, rotateKey } from '../../src/core/users/user-admin.js';
import { systemClock } from '../../src/core/ports.js';
import { CONSENT_ATTEMPTS, REGISTRATION_ATTEMPTS } from '../../src/core/oauth/oauth-settings.js';
import { startDocumentServer } from '../support/document-server.js';

type Callback = Awaited<ReturnType<typeof startCallbackServer>>;

const oauthError = async (res: Response) =>
  (await res.json()) as { error: string; error_description: string };

describe('authorization server: codes, tokens and revocation', () => {
  let gw: TestGateway;
  let callback: Callback;
  let origin: string;
  let raw: RawOAuthClient;
  let key: string;

  beforeAll(async () => {
    gw = await startGateway({ hosts: [] });
    callback = await startCallbackServer();
    origin = new URL(gw.url).origin;
    key = await gw.user({ name: 'bob', role: 'operator' });
    raw = new RawOAuthClient(origin, callback.url);
    expect((await raw.register()).status).toBe(201);
  });
  afterAll(async () => {
    await callback?.close();
    await gw?.close();
  });

  it('publishes resource and authorization server metadata, and names it in every 401', async () => {
    const prm = (await (
      await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: gw.url, authorization_servers: [origin] });
    expect(await (await fetch(`${origin}/.well-known/oauth-protected-resource`)).json()).toEqual(
      prm,
    );
    const as = (await (
      await fetch(`${origin}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(as).toMatchObject({
      issuer: origin,
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: true,
      authorization_endpoint: `${origin}/authorize`,
    });
    expect(as['token_endpoint_auth_methods_supported']).toContain('none');

    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    // The scope to ask for is in the challenge too (2026-07-28 authorization, SHOULD).
    expect(res.headers.get('www-authenticate')).toContain('scope="mcp"');
    // Repeated in the body for front doors that rename WWW-Authenticate.
    expect(((await res.json()) as { resource_metadata: string }).resource_metadata).toBe(
      `${origin}/.well-known/oauth-protected-resource/mcp`,
    );
  });

  it('issues tokens that work on /mcp, while the API key keeps working as a Bearer token', async () => {
    const tokens = await raw.tokens(key);
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(200);
    expect(await mcpStatus(gw.url, key)).toBe(200);
    expect(await mcpStatus(gw.url, `smat_${'A'.repeat(43)}`)).toBe(401);
  });

  it('refuses a wrong PKCE verifier', async () => {
    const { code } = await raw.code(key);
    const res = await raw.exchange(code, pkcePair().verifier);
    expect(res.status).toBe(400);
    expect(await oauthError(res)).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/code_verifier/),
    });
  });

  it('refuses a reused code and revokes what its first use issued', async () => {
    const { code, verifier } = await raw.code(key);
    const first = await raw.exchange(code, verifier);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string; refresh_token: string };
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(200);
    const again = await raw.exchange(code, verifier);
    expect((await oauthError(again)).error).toBe('invalid_grant');
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(401);
    expect((await oauthError(await raw.refresh(tokens.refresh_token))).error).toBe('invalid_grant');
  });

  it('refuses a redirect URI that was not registered, without redirecting, and a different one at the token endpoint', async () => {
    const params = raw.authorizeParams(pkcePair(), {
      redirect_uri: 'https://attacker.example/callback',
    });
    const page = await fetch(`${origin}/authorize?${new URLSearchParams(params).toString()}`, {
      redirect: 'manual',
    });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('redirect_uri is not one this client registered');
    const posted = await raw.consent(params, key);
    expect(posted.status).toBe(400);

    const { code, verifier } = await raw.code(key);
    const res = await raw.exchange(code, verifier, { redirect_uri: `${callback.url}/other` });
    expect(await oauthError(res)).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/redirect_uri/),
    });
    // Each refusal is audited with what refused it.
    const refused = (await gw.gateway.store.auditStore.range({ limit: 10, newestFirst: true }))
      .map((r) => r.event)
      .filter((e) => e.type === 'request.refused')
      .slice(0, 3)
      .map((e) => `${e.outcome} ${e.detail}`);
    expect(refused).toEqual([
      expect.stringMatching(/^400 POST \/token: invalid_grant: .*redirect_uri/),
      '400 POST /authorize: This authorization request cannot be completed',
      '400 GET /authorize: This authorization request cannot be completed',
    ]);
  });

  it('rotates refresh tokens and revokes the whole family when an old one comes back', async () => {
    const tokens = await raw.tokens(key);
    const rotated = await raw.refresh(tokens.refresh_token);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { access_token: string; refresh_token: string };
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(await mcpStatus(gw.url, next.access_token)).toBe(200);

    const replay = await raw.refresh(tokens.refresh_token);
    expect(await oauthError(replay)).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/already used/),
    });
    expect(await mcpStatus(gw.url, next.access_token)).toBe(401);
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(401);
    expect((await oauthError(await raw.refresh(next.refresh_token))).error).toBe('invalid_grant');
    const audit = await gw.gateway.store.auditStore.range({ limit: 500 });
    expect(
      audit.some(
        (r) => r.event.outcome === 'grant.revoked' && r.event.detail?.includes('refresh.replayed'),
      ),
    ).toBe(true);
  });

  it('stops every token derived from an API key when that key is rotated away, and from a user when revoked', async () => {
    const carol = await gw.user({ name: 'carol', role: 'viewer' });
    const tokens = await raw.tokens(carol);
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(200);
    const { key: newKey } = await rotateKey(gw.gateway.deps.users, 'carol', systemClock);
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(401);
    expect((await oauthError(await raw.refresh(tokens.refresh_token))).error).toBe('invalid_grant');

    const fresh = await raw.tokens(newKey);
    expect(await mcpStatus(gw.url, fresh.access_token)).toBe(200);
    await revokeUser(gw.gateway.deps.users, 'carol');
    expect(await mcpStatus(gw.url, fresh.access_token)).toBe(401);
    const consent = await raw.consent(raw.authorizeParams(pkcePair()), newKey);
    expect(consent.status).toBe(401);
  });

  it('refuses a token on a resource it was not issued for (wrong audience)', async () => {
    // The same gateway reached by another name is another resource: http://localhost:PORT/mcp.
    const tokens = await raw.tokens(key);
    const elsewhere = gw.url.replace('127.0.0.1', 'localhost');
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(200);
    expect(await mcpStatus(elsewhere, tokens.access_token)).toBe(401);
    // Nor does the server issue a code for another resource: it says so on its own page, and
    // never sends the person on to the client's redirect URI unasked.
    const page = await fetch(
      `${origin}/authorize?${new URLSearchParams(raw.authorizeParams(pkcePair(), { resource: 'https://other.example/mcp' })).toString()}`,
      { redirect: 'manual' },
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('resource must be this server');
  });

  it('accepts the resource as the origin or with a trailing slash, always issuing for /mcp, and refuses another at /token', async () => {
    // Scheme (and host) in any case name the same resource (RFC 3986 §6.2.2.1).
    const shouting = gw.url.replace('http://', 'HTTP://');
    for (const resource of [origin, `${origin}/`, `${gw.url}/`, shouting]) {
      const { code, verifier } = await raw.code(key, { resource });
      const res = await raw.exchange(code, verifier, { resource });
      expect(res.status, resource).toBe(200);
      expect(
        await mcpStatus(gw.url, ((await res.json()) as { access_token: string }).access_token),
      ).toBe(200);
    }
    const { code, verifier } = await raw.code(key);
    expect(
      (
        await oauthError(
          await raw.exchange(code, verifier, { resource: 'https://other.example/mcp' }),
        )
      ).error,
    ).toBe('invalid_target');
  });

  it('warns on the consent page when the code would go to this computer, and only then', async () => {
    const page = async (redirectUri: string) => {
      const client = new RawOAuthClient(origin, redirectUri);
      expect((await client.register()).status).toBe(201);
      const res = await fetch(
        `${origin}/authorize?${new URLSearchParams(client.authorizeParams(pkcePair())).toString()}`,
      );
      expect(res.status).toBe(200);
      return res.text();
    };
    expect(await page(callback.url)).toContain('id="loopback-warning"');
    expect(await page('https://claude.ai/api/mcp/auth_callback')).not.toContain('loopback-warning');
  });

  it('revokes a refresh token and its access tokens at /revoke', async () => {
    const tokens = await raw.tokens(key);
    const res = await fetch(`${origin}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: raw.clientId, token: tokens.refresh_token }),
    });
    expect(res.status).toBe(200);
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(401);
    expect((await oauthError(await raw.refresh(tokens.refresh_token))).error).toBe('invalid_grant');
  });

  it('counts wrong keys per address, then refuses wrong ones for a while and still lets a right key in', async () => {
    const other = new RawOAuthClient(origin, callback.url);
    await other.register();
    const params = other.authorizeParams(pkcePair());
    // Earlier tests may have spent some of this address's tries in the same window.
    const statuses: number[] = [];
    while (statuses.at(-1) !== 429 && statuses.length <= CONSENT_ATTEMPTS.max)
      statuses.push((await other.consent(params, `smg_${'B'.repeat(43)}`)).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(statuses.length).toBeLessThanOrEqual(CONSENT_ATTEMPTS.max);
    const blocked = await other.consent(params, `smg_${'C'.repeat(43)}`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Wrong keys count per address: another (new) client from it gets no fresh tries.
    const fresh = new RawOAuthClient(origin, callback.url);
    await fresh.register();
    expect(
      (await fresh.consent(fresh.authorizeParams(pkcePair()), `smg_${'D'.repeat(43)}`)).status,
    ).toBe(429);
    const [record] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
    expect(record?.event).toMatchObject({
      type: 'request.refused',
      outcome: '429',
      detail: expect.stringMatching(/^POST \/authorize: consent: rate-limited \(client /),
      address: '127.0.0.1',
    });
    // A right key still gets in while others at the address guess wrong.
    expect((await other.consent(params, key)).status).toBe(302);
    expect((await raw.consent(raw.authorizeParams(pkcePair()), key)).status).toBe(302);
  });

  it('accepts the consent form only with its page’s CSRF token and cookie, never from Origin: null', async () => {
    const params = raw.authorizeParams(pkcePair());
    const post = (extra: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${origin}/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ ...params, api_key: key, decision: 'approve', ...extra }),
      });
    // A form posted from another site: no cookie, no token.
    const forged = await post({});
    expect(forged.status).toBe(403);
    expect(forged.headers.get('location')).toBeNull();
    // The page's own token and cookie, but for another authorization (another state).
    const shown = await fetch(
      `${origin}/authorize?${new URLSearchParams({ ...params, state: 'other' }).toString()}`,
    );
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(await shown.text())?.[1] ?? '';
    const cookie = shown.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(shown.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(shown.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect((await post({ csrf_token: csrf }, { cookie })).status).toBe(403);
    // The right token from the right page, sent with Origin: null.
    expect(
      (await post({ csrf_token: csrf, state: 'other' }, { cookie, origin: 'null' })).status,
    ).toBe(403);
    // The same form as the browser sends it.
    expect((await post({ csrf_token: csrf, state: 'other' }, { cookie })).status).toBe(302);
  });

  it('names itself from the allowed Host, never from an absolute-form request line', async () => {
    const { hostname, port, host } = new URL(origin);
    /** One raw HTTP/1.1 GET with the given request target and Host header, answered whole. */
    const rawGet = (target: string, hostHeader: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), hostname);
        let text = '';
        socket.on('data', (d: Buffer) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`);
      });
    const body = await rawGet('http://evil.example/.well-known/oauth-authorization-server', host);
    expect(body).toMatch(/^HTTP\/1\.1 200/);
    expect(body).not.toContain('evil.example');
    expect(body).toContain(`"issuer":"${origin}"`);
    // The Host as a client may spell it (upper case) names the same, normalised, issuer.
    const shouted = await rawGet('/.well-known/oauth-authorization-server', `LOCALHOST:${port}`);
    expect(shouted).toContain(`"issuer":"http://localhost:${port}"`);
  });

  it('requires S256 and a confidential client’s secret', async () => {
    const plain = await raw.consent(
      raw.authorizeParams(pkcePair(), { code_challenge_method: 'plain' }),
      key,
    );
    // An error page, never a redirect, until client, redirect URI and PKCE are valid (issue 14).
    expect(plain.status).toBe(400);
    expect(plain.headers.get('location')).toBeNull();
    expect(await plain.text()).toMatch(/S256/);
    const wrongs: Record<string, string>[] = [{ code_challenge: '' }, { response_type: 'token' }];
    for (const bad of wrongs) {
      const res = await fetch(
        `${origin}/authorize?${new URLSearchParams({ ...raw.authorizeParams(pkcePair()), ...bad }).toString()}`,
        { redirect: 'manual' },
      );
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.headers.get('location')).toBeNull();
    }

    const confidential = new RawOAuthClient(origin, callback.url);
    const reg = await confidential.register({ token_endpoint_auth_method: 'client_secret_basic' });
    const { client_secret: secret } = (await reg.json()) as { client_secret: string };
    expect(secret).toMatch(/^smcs_/);
    const { code, verifier } = await confidential.code(key);
    const without = await confidential.exchange(code, verifier);
    expect(without.status).toBe(401);
    expect((await oauthError(without)).error).toBe('invalid_client');
    const { code: code2, verifier: verifier2 } = await confidential.code(key);
    const basic = Buffer.from(
      `${encodeURIComponent(confidential.clientId)}:${encodeURIComponent(secret)}`,
    ).toString('base64');
    const withSecret = await fetch(`${origin}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${basic}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code2,
        code_verifier: verifier2,
        redirect_uri: callback.url,
      }),
    });
    expect(withSecret.status).toBe(200);
  });

  it('rejects registrations that could leak a code', async () => {
    for (const uri of [
      'http://example.com/cb',
      'javascript:alert(1)',
      'https://ok.example/cb#frag',
      'not a url',
    ]) {
      const res = await new RawOAuthClient(origin, uri).register();
      expect(res.status, uri).toBe(400);
      expect((await oauthError(res)).error).toBe('invalid_redirect_uri');
    }
    for (const uri of [
      'http://127.0.0.1:9999/cb',
      'http://localhost/cb',
      'cursor://anysphere.cursor-retrieval/oauth/callback',
      'https://claude.ai/api/mcp/auth_callback',
    ]) {
      expect((await new RawOAuthClient(origin, uri).register()).status, uri).toBe(201);
    }
  });

  it('keeps secrets out of the audit log', async () => {
    const tokens = await raw.tokens(key);
    const text = JSON.stringify(await gw.gateway.store.auditStore.range({ limit: 1000 }));
    expect(text).not.toContain(key);
    expect(text).not.toContain(tokens.access_token);
    expect(text).not.toContain(tokens.refresh_token);
  });
});

describe('dynamic registration limits', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ hosts: [] });
  });
  afterAll(async () => gw?.close());

  it('registers a bounded number of clients per address and window, then answers 429', async () => {
    const origin = new URL(gw.url).origin;
    const statuses: number[] = [];
    for (let i = 0; i <= REGISTRATION_ATTEMPTS.max; i++)
      statuses.push(
        (await new RawOAuthClient(origin, `http://127.0.0.1:9/cb${i}`).register()).status,
      );
    expect(statuses.filter((s) => s === 201)).toHaveLength(REGISTRATION_ATTEMPTS.max);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe('key-only mode', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ hosts: [] }, { auth: 'key' });
  });
  afterAll(async () => gw?.close());

  it('advertises no OAuth discovery, and API keys work', async () => {
    const origin = new URL(gw.url).origin;
    const res = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).not.toContain('resource_metadata');
    expect(JSON.stringify(await res.json())).not.toContain('resource_metadata');
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-authorization-server',
      '/authorize',
      '/register',
    ]) {
      expect((await fetch(origin + path)).status, path).toBe(404);
    }
    const key = await gw.user({ name: 'dana', role: 'viewer' });
    expect(await mcpStatus(gw.url, key)).toBe(200);
  });
});

describe('clients identified by a metadata document URL', () => {
  let gw: TestGateway;
  let docs: Awaited<ReturnType<typeof startDocumentServer>>;
  let callback: Callback;
  beforeAll(async () => {
    gw = await startGateway({ hosts: [] }, { allowLoopbackClientIds: true });
    callback = await startCallbackServer();
    docs = await startDocumentServer((base) => ({
      '/oauth/client.json': {
        client_id: `${base}/oauth/client.json`,
        client_name: 'Docs Client',
        redirect_uris: [callback.url],
        token_endpoint_auth_method: 'none',
      },
      '/oauth/nameless.json': {
        client_id: `${base}/oauth/nameless.json`,
        redirect_uris: [callback.url],
        token_endpoint_auth_method: 'none',
      },
    }));
  });
  afterAll(async () => {
    await docs?.close();
    await callback?.close();
    await gw?.close();
  });

  it('shows the document’s name on the consent page and issues tokens to that URL as client_id', async () => {
    const origin = new URL(gw.url).origin;
    const client = new RawOAuthClient(origin, callback.url);
    client.clientId = `${docs.base}/oauth/client.json`;
    const page = await fetch(
      `${origin}/authorize?${new URLSearchParams(client.authorizeParams(pkcePair())).toString()}`,
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Docs Client');
    expect(html).toContain('Its description was published at that address');
    const key = await gw.user({ name: 'erin', role: 'viewer' });
    const tokens = await client.tokens(key);
    expect(await mcpStatus(gw.url, tokens.access_token)).toBe(200);
  });

  it('refuses a document without the client_name the consent page must show', async () => {
    const origin = new URL(gw.url).origin;
    const client = new RawOAuthClient(origin, callback.url);
    client.clientId = `${docs.base}/oauth/nameless.json`;
    const page = await fetch(
      `${origin}/authorize?${new URLSearchParams(client.authorizeParams(pkcePair())).toString()}`,
      { redirect: 'manual' },
    );
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
    expect(await page.text()).toContain('client_name: is required: the consent page shows it');
  });
});
