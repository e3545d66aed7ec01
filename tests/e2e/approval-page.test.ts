import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { approvalCast, fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { launchChromium } from '../support/browser.js';
import { rotateKey } from '../../src/core/users/user-admin.js';
import { systemClock } from '../../src/core/ports.js';

describe('the approval page, in a real browser', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let requester: Client;
  let origin: string;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    fleet = await startSshFleet(1, { prefix: 'page' });
    gw = await startGateway(fleetDocument(fleet));
    origin = new URL(gw.url).origin;
    Object.assign(keys, await approvalCast(gw));
    requester = await gw.client(keys['olive']!);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await gw?.close();
    await fleet?.stop();
  });

  const ask = async (command: string) => {
    const r = (await requester.callTool({
      name: 'run_command',
      arguments: { host: 'page-1', command, justification: 'tidy up' },
    })) as CallToolResult & { structuredContent: Record<string, any> };
    const id = r.structuredContent.approval.id as string;
    // The answer links the page, under the origin the gateway is reached at.
    expect(r.structuredContent.approval.message).toContain(`${origin}/approvals/${id}`);
    return id;
  };

  /** A form post made by hand (not by the page), with the given session cookie. */
  const handPost = (path: string, session: string, body: string) =>
    fetch(`${origin}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `smg_approver=${session}`,
      },
      body,
    });

  async function signedIn(browser: Browser, key: string, path: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    const first = await page.goto(`${origin}${path}`);
    expect(first?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await page.fill('#api_key', key);
    await Promise.all([page.waitForURL(`${origin}${path}`), page.click('button[type=submit]')]);
    return page;
  }

  it('lets a second person sign in with their key and approve; the requester’s retry then runs', async () => {
    const command = `rm -f /tmp/smg-page-${Date.now()}`;
    const id = await ask(command);
    const page = await signedIn(chromium.browser, keys['ann']!, `/approvals/${id}`);
    expect(await page.locator('#command').textContent()).toBe(command);
    expect(await page.locator('#requester').textContent()).toBe('olive');
    expect(await page.locator('#justification').textContent()).toBe('tidy up');
    expect(await page.locator('#hosts').textContent()).toContain('page-1');
    expect(await page.locator('#plan').textContent()).toMatch(/page-1: approval_required/);
    const cookies = await page.context().cookies();
    expect(cookies.find((k) => k.name === 'smg_approver')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/approvals',
    });
    await page.fill('#note', 'fine');
    await Promise.all([page.waitForURL(/done=approved/), page.click('button[value=approve]')]);
    expect(await page.locator('#status').textContent()).toBe('approved');
    expect(await page.locator('button[value=approve]').count()).toBe(0);
    expect(await page.locator('#waiting').count()).toBe(0);
    const ran = (await requester.callTool({
      name: 'run_command',
      arguments: { host: 'page-1', command, approvalId: id },
    })) as CallToolResult & { structuredContent: Record<string, any> };
    expect(ran.structuredContent.approval).toMatchObject({ status: 'consumed', approver: 'ann' });
    expect(ran.structuredContent.results[0]).toMatchObject({ status: 'ok' });
    // The sign-in and the decision are both in the audit log, by the person.
    const events = (await gw.gateway.store.auditStore.range({ limit: 30, newestFirst: true })).map(
      (r) => r.event,
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'approvals.signed-in', user: 'ann', address: '127.0.0.1' }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'approval.approved', user: 'ann', approvalId: id }),
    );
  });

  it('shows an operator their own requests only, and no buttons', async () => {
    const id = await ask(`rm -f /tmp/smg-page-own-${Date.now()}`);
    const page = await signedIn(chromium.browser, keys['olive']!, `/approvals/${id}`);
    expect(await page.locator('#status').textContent()).toBe('pending');
    expect(await page.locator('button[value=approve]').count()).toBe(0);
    // The requester is told what happens next; nobody else is.
    expect(await page.locator('#waiting').textContent()).toMatch(/continue in your MCP client/);
    const other = await signedIn(chromium.browser, keys['oscar']!, '/approvals');
    expect(await other.locator('#queue').textContent()).not.toContain(id);
  });

  it('refuses a decision posted without the page’s token, or from a sandboxed page (Origin: null)', async () => {
    const id = await ask(`rm -f /tmp/smg-page-csrf-${Date.now()}`);
    const page = await signedIn(chromium.browser, keys['ann']!, `/approvals/${id}`);
    const session = (await page.context().cookies()).find((k) => k.name === 'smg_approver')!;
    const forged = (headers: Record<string, string>, body: string) =>
      fetch(`${origin}/approvals/${id}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `smg_approver=${session.value}`,
          ...headers,
        },
        body,
      });
    expect((await forged({}, 'decision=approve')).status).toBe(403);
    const token = await page
      .locator(`form[action="/approvals/${id}"] input[name=csrf_token]`)
      .getAttribute('value');
    expect((await forged({ origin: 'null' }, `decision=approve&csrf_token=${token}`)).status).toBe(
      403,
    );
    // Nothing was decided.
    await page.reload();
    expect(await page.locator('#status').textContent()).toBe('pending');
  });

  it('pauses wrong keys from an address after five, and still lets a right key in', async () => {
    const page = await (await chromium.browser.newContext()).newPage();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      await page.goto(`${origin}/approvals`);
      await page.fill('#api_key', `smg_${'W'.repeat(43)}`);
      const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/approvals/sign-in')),
        page.click('button[type=submit]'),
      ]);
      statuses.push(answer.status());
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429]);
    const right = await signedIn(chromium.browser, keys['ann']!, '/approvals');
    expect(await right.locator('#who').textContent()).toBe('ann');
  });

  it('ends a session when its key is rotated away, answers odd posts with 4xx, and puts no link text on the page', async () => {
    const tempKey = await gw.user({
      name: 'temp-approver',
      role: 'approver',
      access: { tags: ['test'] },
    });
    const id = await ask(`rm -f /tmp/smg-page-rotate-${Date.now()}`);
    const page = await signedIn(chromium.browser, tempKey, `/approvals/${id}`);
    // A link cannot make the page claim a decision.
    await page.goto(`${origin}/approvals/${id}?done=approved.%20Security%20notice`);
    expect(await page.locator('#message').count()).toBe(0);
    // A body that only pretends to be a form is a 400, not a 500.
    const odd = await fetch(`${origin}/approvals/sign-in`, {
      method: 'POST',
      headers: {
        'content-type': 'multipart/form-data; boundary=x; y=application/x-www-form-urlencoded',
      },
      body: 'garbage',
    });
    expect(odd.status).toBe(403);
    await rotateKey(gw.gateway.deps.users, 'temp-approver', systemClock);
    await page.reload();
    expect(await page.locator('#api_key').count()).toBe(1); // back at the sign-in form
  });

  it('signs out: the session ends on the server too, so the old cookie opens nothing', async () => {
    const page = await signedIn(chromium.browser, keys['ann']!, '/approvals');
    const session = (await page.context().cookies()).find((k) => k.name === 'smg_approver')!;
    const withOldCookie = () =>
      fetch(`${origin}/approvals`, { headers: { cookie: `smg_approver=${session.value}` } });
    // A sign-out posted from elsewhere (no token) is refused and changes nothing.
    const forged = await handPost('/approvals/sign-out', session.value, 'csrf_token=x');
    expect(forged.status).toBe(403);
    expect(await (await withOldCookie()).text()).toContain('id="who"');
    await Promise.all([page.waitForURL(`${origin}/approvals`), page.click('#sign-out')]);
    expect(await page.locator('#api_key').count()).toBe(1);
    expect((await page.context().cookies()).find((k) => k.name === 'smg_approver')).toBeUndefined();
    expect(await (await withOldCookie()).text()).toContain('id="api_key"');
    const [latest] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
    expect(latest?.event).toMatchObject({ type: 'approvals.signed-out', user: 'ann' });
  });

  it('records a refused decision with who tried', async () => {
    const id = await ask(`rm -f /tmp/smg-page-self-${Date.now()}`);
    const page = await signedIn(chromium.browser, keys['olive']!, `/approvals/${id}`);
    const session = (await page.context().cookies()).find((k) => k.name === 'smg_approver')!;
    // olive has no buttons; a hand-made post with a stale token is refused and recorded as hers.
    const res = await handPost(`/approvals/${id}`, session.value, 'decision=approve&csrf_token=x');
    expect(res.status).toBe(403);
    const [latest] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
    expect(latest?.event).toMatchObject({ type: 'request.refused', user: 'olive', outcome: '403' });
  });
});
