import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { main } from '../../src/cli/main.js';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';

/** Runs the CLI in this process against the gateway's data dir (it reaches the running store). */
async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('approvals: a second person decides, with their own key', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let dir: string;
  let requester: Client;
  let other: Client;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    fleet = await startSshFleet(2, { prefix: 'apr' });
    dir = mkdtempSync(join(tmpdir(), 'smg-apr-'));
    const document = {
      ...fleetDocument(fleet, { tags: (_n, i) => ['test', i === 1 ? 'guarded' : 'plain'] }),
      // On guarded hosts even an echo needs approval: a fan-out where only some hosts do.
      policies: {
        profiles: { guarded: { extends: 'operator', rules: [{ approve: 'echo **' }] } },
        hosts: [{ when: { tags: ['guarded'] }, profile: 'guarded' }],
      },
    };
    gw = await startGateway(document, { dataDir: join(dir, 'data') });
    for (const [name, role] of [
      ['olive', 'operator'],
      ['oscar', 'operator'],
      ['ann', 'approver'],
      ['ada', 'admin'],
      ['vic', 'viewer'],
    ] as const)
      keys[name] = await gw.user({ name, role, access: { tags: ['test'] } });
    requester = await gw.client(keys['olive']!);
    other = await gw.client(keys['oscar']!);
  });
  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const data = () => join(dir, 'data');
  const run = async (client: Client, args: Record<string, unknown>) =>
    (await client.callTool({ name: 'run_command', arguments: args })) as CallToolResult & {
      structuredContent: Record<string, any>;
    };
  const approvals = (action: string, id: string, key: string, ...more: string[]) =>
    cli('approvals', action, id, '--key', key, '--data', data(), ...more);

  it('asks, holds everything, and runs once a second person approved — once', async () => {
    const file = `/tmp/smg-approval-${Date.now()}`;
    // An allowed write first, so the approval-gated rm has something to remove.
    await run(requester, { host: 'apr-1', command: `touch ${file}` });
    const command = `rm -f ${file}`;
    const asked = await run(requester, {
      host: 'apr-1',
      command,
      justification: 'clean up the test file',
    });
    const approval = asked.structuredContent.approval;
    expect(approval).toMatchObject({ status: 'pending', id: expect.stringMatching(/^apr_/) });
    expect(approval.message).toMatch(/approvals approve apr_.*approvalId/);
    expect(asked.structuredContent.results[0]).toMatchObject({ status: 'approval_required' });
    // Nothing ran.
    const still = await run(requester, { host: 'apr-1', command: `ls ${file}` });
    expect(still.structuredContent.results[0].status).toBe('ok');

    // The identical request while pending is the same request.
    const again = await run(requester, { host: 'apr-1', command });
    expect(again.structuredContent.approval.id).toBe(approval.id);

    // Not the requester, not an operator, not a viewer — and never by naming a user.
    const self = await approvals('approve', approval.id, keys['olive']!);
    expect(self).toMatchObject({
      code: 1,
      err: expect.stringMatching(/only approvers and admins/),
    });
    const operator = await approvals('approve', approval.id, keys['oscar']!);
    expect(operator).toMatchObject({
      code: 1,
      err: expect.stringMatching(/only approvers and admins/),
    });
    const viewer = await approvals('approve', approval.id, keys['vic']!);
    expect(viewer.code).toBe(1);
    const noKey = await cli('approvals', 'approve', approval.id, '--data', data());
    expect(noKey.code).toBe(2);
    expect(noKey.err).toMatch(/your own API key/);

    const shown = await approvals('show', approval.id, keys['ann']!);
    expect(shown.out).toContain(`command: ${command}`);
    expect(shown.out).toContain('justification: clean up the test file');
    const approved = await approvals('approve', approval.id, keys['ann']!, '--note', 'ok for test');
    expect(approved).toMatchObject({ code: 0, out: expect.stringMatching(/approved by ann/) });
    // A second decision loses: it was decided once.
    const late = await approvals('deny', approval.id, keys['ada']!);
    expect(late).toMatchObject({ code: 1, err: expect.stringMatching(/already approved by ann/) });

    // Only its requester can use it.
    const stolen = await run(other, { host: 'apr-1', command, approvalId: approval.id });
    expect(stolen.isError).toBe(true);
    expect(stolen.content).toEqual([
      { type: 'text', text: expect.stringMatching(/only its requester can use it/) },
    ]);
    // Not for another command, nor for more hosts.
    const changed = await run(requester, {
      host: 'apr-1',
      command: `${command} /tmp/other`,
      approvalId: approval.id,
    });
    expect(changed.content).toEqual([
      { type: 'text', text: expect.stringMatching(/another command/) },
    ]);
    const widened = await run(requester, {
      tags: ['test'],
      command,
      approvalId: approval.id,
    });
    expect(widened.content).toEqual([
      { type: 'text', text: expect.stringMatching(/also needs approval for apr-2/) },
    ]);

    const ran = await run(requester, { host: 'apr-1', command, approvalId: approval.id });
    expect(ran.structuredContent.results[0]).toMatchObject({ host: 'apr-1', status: 'ok' });
    expect(ran.structuredContent.approval).toMatchObject({ status: 'consumed', approver: 'ann' });
    const gone = await run(requester, { host: 'apr-1', command: `ls ${file}` });
    expect(gone.structuredContent.results[0].status).toBe('failed');

    // Once.
    const twice = await run(requester, { host: 'apr-1', command, approvalId: approval.id });
    expect(twice.content).toEqual([{ type: 'text', text: expect.stringMatching(/already used/) }]);

    // The audit tells the whole story, and audit tail shows it.
    const tail = await cli('audit', 'tail', '--limit', '40', '--data', data());
    for (const step of ['approval.requested', 'approval.approved', 'approval.consumed'])
      expect(tail.out).toMatch(new RegExp(`${step.replace('.', '\\.')} .*approval=${approval.id}`));
    expect(tail.out).toMatch(
      new RegExp(`exec\\.intent {2}olive {2}run_command .*approval=${approval.id} {2}approver=ann`),
    );
  });

  it('tells the requester a denial, with who and why, and runs nothing', async () => {
    const command = `rm -f /tmp/smg-denied-${Date.now()}`;
    const asked = await run(requester, { host: 'apr-1', command });
    const id = asked.structuredContent.approval.id as string;
    expect((await approvals('deny', id, keys['ada']!, '--note', 'not today')).code).toBe(0);
    const retry = await run(requester, { host: 'apr-1', command, approvalId: id });
    expect(retry.structuredContent.approval).toMatchObject({
      status: 'denied',
      approver: 'ada',
      note: 'not today',
    });
    expect(retry.structuredContent.results[0]).toMatchObject({
      status: 'denied',
      reason: expect.stringMatching(/denied by ada: not today/),
    });
  });

  it('holds a whole fan-out when only some hosts need approval, then runs all of it', async () => {
    const marker = `fanout-${Date.now()}`;
    const asked = await run(requester, { tags: ['test'], command: `echo ${marker}` });
    const byHost = Object.fromEntries(
      (asked.structuredContent.results as { host: string }[]).map((r) => [r.host, r]),
    );
    // apr-2 (guarded) needs approval; apr-1 would be allowed but is held with it.
    expect(byHost['apr-2']).toMatchObject({ status: 'approval_required' });
    expect(byHost['apr-1']).toMatchObject({
      status: 'approval_required',
      reason: expect.stringMatching(/held back with the rest of the call/),
    });
    const id = asked.structuredContent.approval.id as string;
    const shown = await approvals('show', id, keys['ann']!);
    expect(shown.out).toMatch(/ {2}apr-2 {2}rule: /);
    expect(shown.out).not.toContain('apr-1');
    expect((await approvals('approve', id, keys['ann']!)).code).toBe(0);
    const ran = await run(requester, { tags: ['test'], command: `echo ${marker}`, approvalId: id });
    expect(ran.structuredContent.summary).toMatchObject({ total: 2, ok: 2 });
    expect(existsSync(data())).toBe(true);
  });

  it('keeps the two-person rule for an admin’s own request', async () => {
    const admin = await gw.client(keys['ada']!);
    const asked = await run(admin, { host: 'apr-1', command: `rm -f /tmp/smg-own-${Date.now()}` });
    const id = asked.structuredContent.approval.id as string;
    const own = await approvals('approve', id, keys['ada']!);
    expect(own).toMatchObject({ code: 1, err: expect.stringMatching(/two-person rule/) });
    expect((await approvals('show', id, keys['ann']!)).out).toMatch(/: pending/);
  });

  it('holds start_job the same way, and get_approval shows the request to its requester and to approvers only', async () => {
    const command = `rm -f /tmp/smg-job-${Date.now()}`;
    const started = (await requester.callTool({
      name: 'start_job',
      arguments: { host: 'apr-1', command, justification: 'nightly cleanup' },
    })) as CallToolResult & { structuredContent: Record<string, any> };
    expect(started.structuredContent.approval).toMatchObject({ status: 'pending' });
    expect(started.structuredContent.hosts[0]).toMatchObject({ status: 'approval_required' });
    // Nothing will run, so no runner was asked for: the job is over as it is stored.
    expect(started.structuredContent.status).toBe('completed');
    const id = started.structuredContent.approval.id as string;
    const view = async (client: Client) =>
      (await client.callTool({
        name: 'get_approval',
        arguments: { approvalId: id },
      })) as CallToolResult & {
        structuredContent: Record<string, any>;
      };
    expect((await view(requester)).structuredContent).toMatchObject({
      id,
      status: 'pending',
      requester: 'olive',
      tool: 'start_job',
      command,
      justification: 'nightly cleanup',
      hosts: [{ host: 'apr-1', risk: expect.any(String) }],
    });
    // Another operator is told it does not exist; an approver sees it.
    const stranger = await view(other);
    expect(stranger.isError).toBe(true);
    const approverClient = await gw.client(keys['ann']!);
    expect((await view(approverClient)).structuredContent.status).toBe('pending');
    // Approved for start_job, it is not a run_command approval.
    expect((await approvals('approve', id, keys['ann']!)).code).toBe(0);
    const crossed = await run(requester, { host: 'apr-1', command, approvalId: id });
    expect(crossed.content).toEqual([
      { type: 'text', text: expect.stringMatching(/asked for by start_job/) },
    ]);
  });

  it('shows what people read as it is: escape sequences and bidi marks are written out, never obeyed', async () => {
    // A record as a hostile requester would want it stored (the tool refuses such a justification).
    const id = 'apr_HostileText1';
    await gw.gateway.store.approvals.create({
      id,
      requester: 'olive',
      tool: 'run_command',
      command: 'rm -rf "/srv/\u202egol.pu\u202c"',
      commandSha256: 'f'.repeat(64),
      hosts: [{ host: 'apr-1' }],
      justification: 'routine\u001b[2A\r\u001b[2Kcommand: df -h',
      requestId: 'r',
      createdAt: new Date().toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 600,
      status: 'pending',
    });
    const shown = await approvals('show', id, keys['ann']!);
    for (const raw of ['\u001b', '\u202e', '\u202c', '\r']) expect(shown.out).not.toContain(raw);
    expect(shown.out).toContain('\\u{202e}gol.pu\\u{202c}');
    expect(shown.out).toContain('routine\\u{1b}[2A\\u{d}\\u{1b}[2Kcommand: df -h');
    // The tool refuses such text, and a malformed approval id, before anything is stored.
    const refused = await run(requester, {
      host: 'apr-1',
      command: 'rm -f /tmp/x',
      justification: 'a\u001b[2Kb',
    });
    expect(refused.content).toEqual([
      { type: 'text', text: expect.stringMatching(/justification: must be plain text/) },
    ]);
    const badId = await run(requester, { host: 'apr-1', command: 'rm -f /tmp/x', approvalId: '' });
    expect(badId.content).toEqual([
      { type: 'text', text: expect.stringMatching(/approvalId: an approval id looks like apr_/) },
    ]);
  });

  it('runs a command K times inside a window an approver granted on the CLI, then no more', async () => {
    const command = `rm -f /tmp/smg-window-${Date.now()}`;
    const asked = await run(requester, { host: 'apr-1', command });
    const id = asked.structuredContent.approval.id as string;
    const half = await approvals('approve', id, keys['ann']!, '--window', '10');
    expect(half).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--window MINUTES and --runs K go together/),
    });
    const granted = await approvals('approve', id, keys['ann']!, '--window', '10', '--runs', '2');
    expect(granted).toMatchObject({
      code: 0,
      out: expect.stringMatching(/approved by ann for 2 runs until /),
    });
    for (let i = 0; i < 2; i++)
      expect(
        (await run(requester, { host: 'apr-1', command, approvalId: id })).structuredContent
          .results[0],
      ).toMatchObject({ status: 'ok' });
    const third = await run(requester, { host: 'apr-1', command, approvalId: id });
    expect(third.content).toEqual([
      { type: 'text', text: expect.stringMatching(/all 2 of its runs/) },
    ]);
  });
});
