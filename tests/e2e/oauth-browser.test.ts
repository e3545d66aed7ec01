import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import {
  StreamableHTTPClientTransport as ModernTransport,
  UnauthorizedError as ModernUnauthorizedError,
} from '@modelcontextprotocol/client';
import { sdkClient } from '../support/mcp-client.js';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { launchChromium } from '../support/browser.js';
import { hashSecret } from '../../src/core/oauth/secrets.js';
import { MemoryOAuthProvider, RawOAuthClient, startCallbackServer } from '../support/oauth.js';

type Callback = Awaited<ReturnType<typeof startCallbackServer>>;

/** The user's part: open the consent page, type the key, press a button; answers where the browser went. */
async function consentInBrowser(
  browser: Browser,
  authorizationUrl: URL,
  apiKey: string,
  button: 'Approve' | 'Deny',
  callbackUrl: string,
) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  try {
    const response = await page.goto(authorizationUrl.toString());
    const shown = {
      status: response?.status(),
      csp: response?.headers()['content-security-policy'],
      clientName: await page.locator('#client-name').textContent(),
      redirectUri: await page.locator('#redirect-uri').textContent(),
    };
    await page.fill('#api_key', apiKey);
    await Promise.all([
      page.waitForURL((url) => url.toString().startsWith(callbackUrl)),
      page.getByRole('button', { name: button }).click(),
    ]);
    return { shown, landed: new URL(page.url()), dialogs };
  } finally {
    await context.close();
  }
}

describe('OAuth sign-in from a URL-only MCP client, in a real browser', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let callback: Callback;
  let aliceKey: string;

  beforeAll(async () => {
    fleet = await startSshFleet(2, { prefix: 'oa' });
    gw = await startGateway(fleetDocument(fleet));
    aliceKey = await gw.user({ name: 'alice', role: 'operator', access: { tags: ['even'] } });
    [chromium, callback] = await Promise.all([launchChromium(), startCallbackServer()]);
  });
  afterAll(async () => {
    await chromium?.close();
    await callback?.close();
    await gw?.close();
    await fleet?.stop();
  });

  it('discovers, registers, sends the user through the consent page, and calls tools as that user', async () => {
    const provider = new MemoryOAuthProvider(callback.url);
    const first = new Client({ name: 'url-only', version: '1.0.0' });
    // The client knows only the URL: the 401 starts discovery, registration and the redirect.
    await expect(
      first.connect(new StreamableHTTPClientTransport(new URL(gw.url), { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.clientInformation()?.client_id).toMatch(/^smc_/);
    const authorizationUrl = provider.authorizationUrl!;
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizationUrl.searchParams.get('resource')).toBe(gw.url);

    const { shown, landed } = await consentInBrowser(
      chromium.browser,
      authorizationUrl,
      aliceKey,
      'Approve',
      callback.url,
    );
    expect(shown.status).toBe(200);
    expect(shown.clientName).toBe('smg e2e client');
    expect(shown.redirectUri).toBe(callback.url);
    expect(shown.csp).toContain("frame-ancestors 'none'");
    expect(landed.searchParams.get('state')).toBe(provider.expectedState);
    expect(landed.searchParams.get('iss')).toBe(new URL(gw.url).origin);
    const code = landed.searchParams.get('code')!;
    expect(code).toMatch(/^smac_/);

    const transport = new StreamableHTTPClientTransport(new URL(gw.url), {
      authProvider: provider,
    });
    await transport.finishAuth(code);
    expect(provider.tokens()?.access_token).toMatch(/^smat_/);
    expect(provider.tokens()?.refresh_token).toMatch(/^smrt_/);

    const client = new Client({ name: 'url-only', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), { authProvider: provider }),
    );
    try {
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toMatchObject({
        name: 'alice',
        role: 'operator',
        visibleHostCount: 1,
      });
      const ran = await client.callTool({
        name: 'run_command',
        arguments: { host: fleet.hosts[0]!.name, command: 'echo signed-in' },
      });
      expect(ran.isError).toBeFalsy();
      expect(JSON.stringify(ran.structuredContent)).toContain('signed-in');
      // Access is alice's, not more: the odd host is not hers.
      const other = await client.callTool({
        name: 'run_command',
        arguments: { host: fleet.hosts[1]!.name, command: 'echo no' },
      });
      expect(other.isError).toBe(true);
    } finally {
      await client.close();
    }

    // The access token stops working (as after its hour): the SDK refreshes, with a rotated refresh token, and carries on.
    const before = provider.tokens()!;
    await gw.gateway.store.oauth.deleteToken(hashSecret(before.access_token));
    const later = new Client({ name: 'url-only', version: '1.0.0' });
    await later.connect(
      new StreamableHTTPClientTransport(new URL(gw.url), { authProvider: provider }),
    );
    expect(
      (await later.callTool({ name: 'whoami', arguments: {} })).structuredContent,
    ).toMatchObject({ name: 'alice' });
    await later.close();
    expect(provider.tokens()!.access_token).not.toBe(before.access_token);
    expect(provider.tokens()!.refresh_token).not.toBe(before.refresh_token);

    const audit = await gw.gateway.store.auditStore.range({ limit: 100 });
    expect(
      audit.some(
        (r) =>
          r.event.type === 'oauth' &&
          r.event.outcome === 'consent.granted' &&
          r.event.user === 'alice',
      ),
    ).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(aliceKey);
  });

  it('signs a 2026-07-28 client in with the v2 SDK’s own OAuth support, and it runs a command as that user', async () => {
    const provider = new MemoryOAuthProvider(callback.url, 'smg modern client');
    const transport = () => new ModernTransport(new URL(gw.url), { authProvider: provider });
    const first = sdkClient('modern');
    // The server/discover probe meets the 401, which starts discovery, registration and the redirect.
    await expect(first.connect(transport())).rejects.toBeInstanceOf(ModernUnauthorizedError);
    const authorizationUrl = provider.authorizationUrl!;
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
    const { landed } = await consentInBrowser(
      chromium.browser,
      authorizationUrl,
      aliceKey,
      'Approve',
      callback.url,
    );
    expect(landed.searchParams.get('iss')).toBe(new URL(gw.url).origin);
    // The whole callback, so the SDK checks iss against the issuer it discovered (RFC 9207).
    await transport().finishAuth(landed.searchParams);
    expect(provider.tokens()?.access_token).toMatch(/^smat_/);

    const client = sdkClient('modern');
    await client.connect(transport());
    try {
      expect(client.getProtocolEra()).toBe('modern');
      const ran = await client.callTool({
        name: 'run_command',
        arguments: { host: fleet.hosts[0]!.name, command: 'echo modern-signed-in' },
      });
      expect(ran.structuredContent).toMatchObject({
        results: [{ status: 'ok', stdout: 'modern-signed-in\n' }],
      });
      const who = await client.callTool({ name: 'whoami', arguments: {} });
      expect(who.structuredContent).toMatchObject({ name: 'alice' });
    } finally {
      await client.close();
    }
  });

  it('sends the client access_denied when the user presses Deny', async () => {
    const raw = new RawOAuthClient(new URL(gw.url).origin, callback.url);
    await raw.register();
    const url = new URL(
      `${raw.base}/authorize?${new URLSearchParams(raw.authorizeParams({ challenge: 'c'.repeat(43) })).toString()}`,
    );
    const { landed } = await consentInBrowser(chromium.browser, url, '', 'Deny', callback.url);
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('state')).toBe('st-1');
    expect(landed.searchParams.get('code')).toBeNull();
  });

  it('renders a hostile client name as text: no script runs', async () => {
    const raw = new RawOAuthClient(new URL(gw.url).origin, callback.url);
    await raw.register({ client_name: '<img src=x onerror=alert(1)><script>alert(2)</script>' });
    const url = new URL(
      `${raw.base}/authorize?${new URLSearchParams(raw.authorizeParams({ challenge: 'c'.repeat(43) })).toString()}`,
    );
    const { shown, dialogs } = await consentInBrowser(
      chromium.browser,
      url,
      aliceKey,
      'Approve',
      callback.url,
    );
    expect(shown.clientName).toBe('<img src=x onerror=alert(1)><script>alert(2)</script>');
    expect(dialogs).toEqual([]);
  });
});
