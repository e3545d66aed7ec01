import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approvalGate,
  MAX_PENDING_PER_REQUESTER,
  type GateDeps,
} from '../../../src/core/approvals/approval-gate.js';
import { WebhookNotifier } from '../../../src/adapters/http/webhook-notifier.js';
import { silentLogger } from '../../../src/adapters/log/json-logger.js';
import { recordingLogger } from '../../support/logger.js';
import { decideApproval } from '../../../src/core/approvals/decide-approval.js';
import { viewApproval } from '../../../src/core/approvals/view-approval.js';
import { AuditLog } from '../../../src/core/audit/audit-log.js';
import { Fleet } from '../../../src/core/fleet/fleet.js';
import type { User } from '../../../src/core/users/user.js';
import { DynamoApprovalStore } from '../../../src/adapters/dynamo/dynamo-approval-store.js';
import { DynamoAuditStore } from '../../../src/adapters/dynamo/dynamo-audit-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { userFixture } from '../../support/fixtures.js';

const person = (name: string, role: User['role']): User =>
  userFixture({ name, role, access: { hosts: [], groups: [], tags: [] } });
const olive = person('olive', 'operator');
const ann = person('ann', 'approver');
const gated = [{ host: 'web-1', rule: 'approve rm **', risk: 'high' as const }];

describe('approval gate: expiry and waiting, by the clock', () => {
  let store: TestStore;
  let auditStore: DynamoAuditStore;
  let deps: GateDeps;
  let now = Date.UTC(2026, 10, 30, 12);
  const fleet = Fleet.fromDocument(
    { approvals: { ttlMinutes: 1 }, limits: { syncBudgetSeconds: 1 } },
    { source: 'test', readKeyFile: () => '' },
  );

  beforeAll(async () => {
    store = await startTestStore('gate');
    auditStore = new DynamoAuditStore(store.db, store.tables.audit);
    const clock = { now: () => new Date(now) };
    deps = {
      approvals: new DynamoApprovalStore(store.db, store.tables.approvals),
      audit: new AuditLog(auditStore, clock),
      clock,
      notifier: new WebhookNotifier(),
      logger: silentLogger,
    };
  });
  afterAll(() => store.close());

  const ask = (command: string, approvalId?: string) =>
    approvalGate(deps, fleet, olive, gated, {
      tool: 'run_command',
      command,
      requestId: 'r',
      ...(approvalId ? { approvalId } : {}),
    });

  it('expires a request nobody decided: deciding and using it both say so, and the expiry is audited once', async () => {
    const held = await ask('rm -rf /srv/old');
    expect(held.kind).toBe('held');
    if (held.kind === 'run') return;
    now += 61_000;
    expect((await viewApproval(deps, olive, held.approval.id)).status).toBe('expired');
    await expect(
      decideApproval(deps, ann, held.approval.id, 'approve', { requestId: 'd' }),
    ).rejects.toThrow(/expired at/);
    await expect(ask('rm -rf /srv/old', held.approval.id)).rejects.toThrow(
      /expired at .*ask again/,
    );
    const expired = (await auditStore.range({ limit: 50 })).filter(
      (r) => r.event.type === 'approval.expired' && r.event.approvalId === held.approval.id,
    );
    expect(expired).toHaveLength(1);
    // A new identical request is a new request.
    const anew = await ask('rm -rf /srv/old');
    expect(anew.kind === 'held' && anew.approval.id).not.toBe(held.approval.id);
  });

  it('expires an approval nobody used in time', async () => {
    const held = await ask('rm -rf /srv/older');
    if (held.kind === 'run') throw new Error('expected held');
    await decideApproval(deps, ann, held.approval.id, 'approve', { requestId: 'd' });
    now += 61_000;
    await expect(ask('rm -rf /srv/older', held.approval.id)).rejects.toThrow(
      /expired at .*before it was used/,
    );
  });

  it('waits up to the sync budget for a pending decision, then answers the same again', async () => {
    const held = await ask('rm -rf /srv/wait');
    if (held.kind === 'run') throw new Error('expected held');
    const started = Date.now();
    const again = await ask('rm -rf /srv/wait', held.approval.id);
    expect(again.kind).toBe('held');
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(Date.now() - started).toBeLessThan(2_500);
    // A decision that arrives during the wait is taken up at once.
    setTimeout(
      () => void decideApproval(deps, ann, held.approval.id, 'approve', { requestId: 'd' }),
      200,
    );
    const ran = await ask('rm -rf /srv/wait', held.approval.id);
    expect(ran).toMatchObject({ kind: 'run', approval: { id: held.approval.id, approver: 'ann' } });
  });

  it('refuses an eleventh pending request from one person, naming the ten that wait', async () => {
    const many = { ...olive, name: `busy-${Date.now()}` };
    const askAs = (n: number) =>
      approvalGate(deps, fleet, many, gated, {
        tool: 'run_command',
        command: `rm -f /tmp/${n}`,
        requestId: 'r',
      });
    for (let n = 0; n < MAX_PENDING_PER_REQUESTER; n++) expect((await askAs(n)).kind).toBe('held');
    await expect(askAs(99)).rejects.toThrow(/10 approval requests waiting for a decision/);
    // The identical request still answers with the pending one.
    expect((await askAs(3)).kind).toBe('held');
  });

  it('keeps the fleet’s self-approval setting with the request: the decider cannot choose it', async () => {
    const solo = Fleet.fromDocument(
      { approvals: { selfApproval: true } },
      { source: 'test', readKeyFile: () => '' },
    );
    const admin = person('solo-admin', 'admin');
    const own = await approvalGate(deps, solo, admin, gated, {
      tool: 'run_command',
      command: 'rm -rf /srv/solo',
      requestId: 'r',
    });
    if (own.kind === 'run') throw new Error('expected held');
    expect(own.approval.selfApproval).toBe(true);
    expect(
      (await decideApproval(deps, admin, own.approval.id, 'approve', { requestId: 'd' })).status,
    ).toBe('approved');
    // Asked under the default fleet, the same person may not decide it.
    const strict = await approvalGate(deps, fleet, admin, gated, {
      tool: 'run_command',
      command: 'rm -rf /srv/strict',
      requestId: 'r',
    });
    if (strict.kind === 'run') throw new Error('expected held');
    await expect(
      decideApproval(deps, admin, strict.approval.id, 'approve', { requestId: 'd' }),
    ).rejects.toThrow(/two-person rule/);
  });

  it('undoes a decision the audit log cannot record, and says so', async () => {
    const held = await ask('rm -rf /srv/unrecorded');
    if (held.kind === 'run') throw new Error('expected held');
    const broken = {
      ...deps,
      audit: new AuditLog(new DynamoAuditStore(store.db, 'no-such-audit-table')),
    };
    await expect(
      decideApproval(broken, ann, held.approval.id, 'approve', { requestId: 'd' }),
    ).rejects.toThrow(/could not be written to the audit log, so it was undone/);
    expect((await deps.approvals.get(held.approval.id))?.status).toBe('pending');
  });

  it('lets an approver grant a time-boxed window: K runs of the same command, until it ends', async () => {
    const held = await ask('systemctl restart app');
    if (held.kind === 'run') throw new Error('expected held');
    await expect(
      decideApproval(deps, ann, held.approval.id, 'approve', {
        requestId: 'd',
        window: { minutes: 61, runs: 2 },
      }),
    ).rejects.toThrow(/1 to 60 minutes/);
    const granted = await decideApproval(deps, ann, held.approval.id, 'approve', {
      requestId: 'd',
      window: { minutes: 30, runs: 2 },
    });
    expect(granted.expiresAt).toBe(Math.floor(now / 1000) + 30 * 60);
    expect((await ask('systemctl restart app', held.approval.id)).kind).toBe('run');
    now += 10 * 60_000; // past the request's own 1-minute expiry, inside the window
    expect((await ask('systemctl restart app', held.approval.id)).kind).toBe('run');
    await expect(ask('systemctl restart app', held.approval.id)).rejects.toThrow(
      /all 2 of its runs/,
    );
    const consumed = (await auditStore.range({ limit: 20, newestFirst: true })).filter(
      (r) => r.event.type === 'approval.consumed' && r.event.approvalId === held.approval.id,
    );
    expect(consumed.map((r) => r.event.detail)).toEqual(['run 2 of 2', 'run 1 of 2']);
    // A window ends when it ends, whatever runs are left.
    const other = await ask('systemctl restart worker');
    if (other.kind === 'run') throw new Error('expected held');
    await decideApproval(deps, ann, other.approval.id, 'approve', {
      requestId: 'd',
      window: { minutes: 5, runs: 10 },
    });
    now += 5 * 60_000 + 1_000;
    await expect(ask('systemctl restart worker', other.approval.id)).rejects.toThrow(/expired/);
  });

  it('tells each notify webhook of a new request, JSON or Slack text, and a dead one delays nothing beyond its timeout', async () => {
    const received: { path: string; body: any }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: JSON.parse(body) });
        res.writeHead(req.url === '/broken' ? 500 : 204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const { logger, lines } = recordingLogger();
    try {
      const told = Fleet.fromDocument(
        {
          approvals: {
            notify: [
              { url: `${base}/json` },
              { url: `${base}/slack?token=s3cr3t-hook`, format: 'slack' },
              { url: `${base}/broken` },
              // Accepts the connection and never answers.
              { url: `http://127.0.0.1:${await silentPort()}/hang` },
            ],
          },
        },
        { source: 'test', readKeyFile: () => '' },
      );
      const started = Date.now();
      const held = await approvalGate(
        { ...deps, notifier: new WebhookNotifier(500), logger },
        told,
        olive,
        gated,
        {
          tool: 'run_command',
          command: 'rm -rf /srv/tell',
          requestId: 'r',
          justification: 'disk full',
          origin: 'https://gw.example',
        },
      );
      expect(Date.now() - started).toBeLessThan(2_000);
      if (held.kind === 'run') throw new Error('expected held');
      const json = received.find((r) => r.path === '/json')?.body;
      expect(json).toMatchObject({
        type: 'approval.requested',
        id: held.approval.id,
        requester: 'olive',
        command: 'rm -rf /srv/tell',
        hosts: [{ host: 'web-1' }],
        justification: 'disk full',
        approve: `ssh-mcp-gateway approvals approve ${held.approval.id}`,
        url: `https://gw.example/approvals/${held.approval.id}`,
      });
      const slack = received.find((r) => r.path.startsWith('/slack'))?.body;
      expect(slack.text).toContain(`approvals approve ${held.approval.id}`);
      expect(slack.text).toContain(`https://gw.example/approvals/${held.approval.id}`);
      expect(slack.text).toContain('rm -rf /srv/tell');
      const failures = lines.filter((l) => l.message === 'approval notification failed');
      expect(failures.map((l) => l['error'])).toEqual([
        'it answered HTTP 500',
        'no answer within 500 ms',
      ]);
      // Logged by host only: a webhook URL may carry its token.
      expect(JSON.stringify(lines)).not.toContain('s3cr3t-hook');
      // And the URLs are secrets everywhere else too.
      expect(told.secretValues()).toContain(`${base}/slack?token=s3cr3t-hook`);
    } finally {
      receiver.close();
    }
  });
});

/** A port that accepts connections and never says a word. */
async function silentPort(): Promise<number> {
  const server = createNetServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return (server.address() as AddressInfo).port;
}
