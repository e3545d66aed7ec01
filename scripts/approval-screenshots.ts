/**
 * The approval flow end to end, with screenshots for the README: a real gateway on loopback sshd
 * hosts; an operator's 2026-07-28 client (one that opens URLs) calls run_command with
 * `apt-get install -y htop`; the gateway answers input_required with the approval page; the
 * operator opens it (pending, no buttons), an approver signs in with her own key in headless
 * Chromium and approves, and the operator's client picks the call up again by itself — the
 * command runs only then.
 *
 *   npx tsx scripts/approval-screenshots.ts
 *
 * Run as root it logs in to the test hosts as root, so apt-get really installs htop on this
 * machine (the Debian mirror must be reachable); otherwise apt-get runs and fails for want of root.
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startSshFleet } from '../tests/support/ssh-fleet.js';
import { fleetDocument, startGateway } from '../tests/support/gateway.js';
import { launchChromium } from '../tests/support/browser.js';
import type { Page } from 'playwright-core';

const fleet = await startSshFleet(2, { prefix: 'web' });
const document = fleetDocument(fleet);
const asRoot = process.getuid?.() === 0;
const gw = await startGateway({
  ...document,
  hosts: document.hosts.map((h) => ({
    ...(h as Record<string, unknown>),
    user: asRoot ? 'root' : fleet.user,
  })),
  limits: { ...document.limits, commandTimeoutSeconds: 300 },
});
const chromium = await launchChromium();
try {
  const origin = new URL(gw.url).origin;
  const olive = await gw.user({ name: 'olive', role: 'operator', access: { tags: ['test'] } });
  const ann = await gw.user({ name: 'ann', role: 'approver', access: { tags: ['test'] } });
  const shot = async (url: string, key: string, file: string, act?: (p: Page) => Promise<void>) => {
    const page = await (
      await chromium.browser.newContext({ viewport: { width: 760, height: 900 } })
    ).newPage();
    await page.goto(url);
    await page.fill('#api_key', key);
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
    await act?.(page);
    await page.screenshot({ path: file, fullPage: true });
    return page;
  };

  const client = new Client(
    { name: 'approval-demo', version: '1' },
    {
      versionNegotiation: { mode: { pin: '2026-07-28' } },
      capabilities: { elicitation: { url: {} } },
    },
  );
  // What a client does with a URL elicitation: show it to its person, who opens it.
  client.setRequestHandler('elicitation/create', async (request) => {
    const { url, message } = request.params as { url: string; message: string };
    console.log(`[client] the gateway asks olive to open ${url}\n         "${message}"`);
    await shot(url, olive, 'docs/approvals-requester.png');
    const page = await shot(url, ann, 'docs/approvals-request.png', (p) =>
      p.fill('#note', 'patch window, go ahead'),
    );
    await Promise.all([page.waitForURL(/done=approved/), page.click('button[value=approve]')]);
    await page.screenshot({ path: 'docs/approvals-approved.png', fullPage: true });
    console.log('[browser] ann approved it on the page; olive continues in her client');
    return { action: 'accept' };
  });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gw.url), {
      requestInit: { headers: { Authorization: `Bearer ${olive}` } },
    }),
  );
  const result = await client.callTool({
    name: 'run_command',
    arguments: {
      host: 'web-1',
      command: 'apt-get install -y htop',
      justification: 'htop for the on-call dashboard',
    },
  });
  const done = result.structuredContent as {
    approval: { id: string; status: string; approver: string };
    results: { host: string; status: string; exitCode: number | null; stdout?: string }[];
  };
  console.log(
    `[client] the same call came back: approval ${done.approval.id} ${done.approval.status} (approver ${done.approval.approver})`,
  );
  for (const r of done.results)
    console.log(
      `  ${r.host}: ${r.status}, exit ${r.exitCode}; ${(r.stdout ?? '').trim().split('\n').at(-1)}`,
    );
  await client.close();
  console.log(
    `wrote docs/approvals-requester.png, approvals-request.png and approvals-approved.png (${origin})`,
  );
} finally {
  await chromium.close();
  await gw.close();
  await fleet.stop();
}
