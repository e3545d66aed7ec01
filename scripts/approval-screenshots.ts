/**
 * Screenshots of the approval flow for the README: a real gateway on loopback sshd hosts, an
 * operator's `apt-get install -y htop` held for approval, and the approver's page in headless
 * Chromium before and after the decision.
 *
 *   npx tsx scripts/approval-screenshots.ts
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSshFleet } from '../tests/support/ssh-fleet.js';
import { fleetDocument, startGateway } from '../tests/support/gateway.js';
import { launchChromium } from '../tests/support/browser.js';

const fleet = await startSshFleet(2, { prefix: 'web' });
const gw = await startGateway(fleetDocument(fleet));
const chromium = await launchChromium();
try {
  const origin = new URL(gw.url).origin;
  const olive = await gw.user({ name: 'olive', role: 'operator', access: { tags: ['test'] } });
  const ann = await gw.user({ name: 'ann', role: 'approver', access: { tags: ['test'] } });
  const client = new Client({ name: 'screenshots', version: '1' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(gw.url), {
      requestInit: { headers: { Authorization: `Bearer ${olive}` } },
    }),
  );
  const asked = (await client.callTool({
    name: 'run_command',
    arguments: {
      tags: ['test'],
      command: 'apt-get install -y htop',
      justification: 'htop for the on-call dashboard',
    },
  })) as CallToolResult & { structuredContent: { approval: { id: string } } };
  const id = asked.structuredContent.approval.id;
  await client.close();

  const page = await (
    await chromium.browser.newContext({ viewport: { width: 760, height: 900 } })
  ).newPage();
  await page.goto(`${origin}/approvals/${id}`);
  await page.fill('#api_key', ann);
  await Promise.all([
    page.waitForURL(`${origin}/approvals/${id}`),
    page.click('button[type=submit]'),
  ]);
  await page.fill('#note', 'patch window, go ahead');
  await page.screenshot({ path: 'docs/approvals-request.png', fullPage: true });
  await Promise.all([page.waitForURL(/done=approved/), page.click('button[value=approve]')]);
  await page.screenshot({ path: 'docs/approvals-approved.png', fullPage: true });
  console.log('wrote docs/approvals-request.png and docs/approvals-approved.png');
} finally {
  await chromium.close();
  await gw.close();
  await fleet.stop();
}
