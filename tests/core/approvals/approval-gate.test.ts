import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalGate } from '../../../src/core/approvals/approval-gate.js';
import { decideApproval, type ApprovalDeps } from '../../../src/core/approvals/decide-approval.js';
import { viewApproval } from '../../../src/core/approvals/view-approval.js';
import { AuditLog } from '../../../src/core/audit/audit-log.js';
import { Fleet } from '../../../src/core/fleet/fleet.js';
import type { User } from '../../../src/core/users/user.js';
import { DynamoApprovalStore } from '../../../src/adapters/dynamo/dynamo-approval-store.js';
import { DynamoAuditStore } from '../../../src/adapters/dynamo/dynamo-audit-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

const person = (name: string, role: User['role']): User => ({
  name,
  role,
  access: { hosts: [], groups: [], tags: [] },
  disabled: false,
  createdAt: '',
});
const olive = person('olive', 'operator');
const ann = person('ann', 'approver');
const gated = [{ host: 'web-1', rule: 'approve rm **', risk: 'high' as const }];

describe('approval gate: expiry and waiting, by the clock', () => {
  let store: TestStore;
  let auditStore: DynamoAuditStore;
  let deps: ApprovalDeps;
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
      decideApproval(deps, fleet, ann, held.approval.id, 'approve', { requestId: 'd' }),
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
    await decideApproval(deps, fleet, ann, held.approval.id, 'approve', { requestId: 'd' });
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
      () => void decideApproval(deps, fleet, ann, held.approval.id, 'approve', { requestId: 'd' }),
      200,
    );
    const ran = await ask('rm -rf /srv/wait', held.approval.id);
    expect(ran).toMatchObject({ kind: 'run', approval: { id: held.approval.id, approver: 'ann' } });
  });
});
