import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';

describe('command policy end to end', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let operator: Client;
  let readOnly: Client;
  let viewer: Client;
  const marker = `/tmp/smg-policy-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    fleet = await startSshFleet(2, { prefix: 'pol' });
    const document = fleetDocument(fleet, {
      tags: (name) => (name === 'pol-2' ? ['test', 'prod'] : ['test']),
    });
    const first = fleet.hosts[0]!;
    Object.assign(document, {
      policies: { hosts: [{ when: { tags: ['prod'] }, profile: 'read-only' }] },
      network: { allow: ['127.0.0.0/8'], deny: ['127.0.0.66'] },
    });
    document.hosts.push({
      name: 'fenced',
      address: '127.0.0.66',
      port: first.port,
      user: fleet.user,
      credential: 'test',
      hostKey: first.hostKeyFingerprint,
      tags: ['test'],
    });
    gw = await startGateway(document);
    operator = await gw.client(
      await gw.user({ name: 'op', role: 'operator', access: { tags: ['test'] } }),
    );
    readOnly = await gw.client(
      await gw.user({
        name: 'ro',
        role: 'operator',
        policy: 'read-only',
        access: { tags: ['test'] },
      }),
    );
    viewer = await gw.client(
      await gw.user({ name: 'v', role: 'viewer', access: { tags: ['test'] } }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = (r: CallToolResult) => r.structuredContent as Record<string, any>;
  const byHost = (d: Record<string, any>) =>
    Object.fromEntries(d.results.map((r: any) => [r.host, r]));

  it('plan_command explains the decision per host, with the narrowing profile on prod', async () => {
    const d = data(
      await call(operator, 'plan_command', {
        hosts: ['pol-1', 'pol-2'],
        command: 'sudo systemctl restart nginx',
      }),
    );
    const r = byHost(d);
    expect(r['pol-1']).toMatchObject({
      decision: 'allow',
      profile: 'operator',
      risk: 'medium',
      commands: [{ command: 'sudo → systemctl restart nginx', decision: 'allow' }],
    });
    expect(r['pol-2']).toMatchObject({ decision: 'deny', profile: 'operator + read-only' });
    expect(d.summary).toEqual({ total: 2, allow: 1, deny: 1, approval_required: 0 });
  });

  it('plan_command is not offered to viewers', async () => {
    expect((await viewer.listTools()).tools.map((t) => t.name)).not.toContain('plan_command');
  });

  it('run_command never executes a command that needs approval, and says why', async () => {
    await call(operator, 'run_command', { host: 'pol-1', command: `mkdir -p ${marker}` });
    const d = data(
      await call(operator, 'run_command', { host: 'pol-1', command: `rm -rf ${marker}` }),
    );
    expect(d.results[0]).toMatchObject({
      status: 'approval_required',
      exitCode: null,
      rule: 'operator approve {risk: high}',
      risk: 'critical',
    });
    const still = data(
      await call(operator, 'run_command', {
        host: 'pol-1',
        command: `test -d ${marker} && echo present`,
      }),
    );
    expect(still.results[0].stdout ?? still.groups[0].stdout).toBe('present\n');
  });

  it('run_command reports denied hosts and runs the allowed ones', async () => {
    const d = data(
      await call(operator, 'run_command', {
        hosts: ['pol-1', 'pol-2'],
        command: `touch ${marker}/touched`,
      }),
    );
    expect(byHost(d)['pol-1']).toMatchObject({ status: 'ok' });
    expect(byHost(d)['pol-2']).toMatchObject({
      status: 'denied',
      reason: expect.stringMatching(/no rule in profile read-only allows/),
    });
  });

  it('a read-only user cannot hide a change behind an allowed command', async () => {
    const d = data(
      await call(readOnly, 'run_command', {
        host: 'pol-1',
        command: `ls ${marker}; rm -rf ${marker}`,
      }),
    );
    expect(d.results[0]).toMatchObject({ status: 'denied' });
    const still = data(
      await call(readOnly, 'run_command', { host: 'pol-1', command: `ls ${marker}` }),
    );
    expect(still.results[0]).toMatchObject({ status: 'ok', stdout: 'touched\n' });
  });

  it('the audit intent records each host’s decision and rule', async () => {
    await call(operator, 'run_command', {
      hosts: ['pol-1', 'pol-2'],
      command: 'systemctl restart nginx-nonexistent',
    });
    const records = await gw.gateway.store.auditStore.range({ limit: 10, newestFirst: true });
    const intent = records.find(
      (r) =>
        r.event.type === 'exec.intent' && r.event.command === 'systemctl restart nginx-nonexistent',
    )!;
    expect(intent.event.decisions).toEqual([
      {
        host: 'pol-1',
        decision: 'allow',
        rule: 'operator allow "systemctl **"',
        risk: 'medium',
      },
      {
        host: 'pol-2',
        decision: 'deny',
        rule: 'read-only allow "systemctl **" up to risk low',
        risk: 'medium',
      },
    ]);
  });

  it('refuses a host whose address the network policy denies, before connecting', async () => {
    const run = data(await call(operator, 'run_command', { host: 'fenced', command: 'uptime' }));
    expect(run.results[0]).toMatchObject({
      status: 'denied',
      reason: expect.stringMatching(/127\.0\.0\.66 is in network.deny/),
    });
    const check = data(await call(operator, 'check_hosts', { host: 'fenced' }));
    expect(check.results[0]).toMatchObject({ status: 'denied' });
  });
});
