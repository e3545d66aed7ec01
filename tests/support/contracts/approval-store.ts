import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ApprovalStore } from '../../../src/core/ports.js';
import type { ApprovalRecord } from '../../../src/core/approvals/approval.js';

/** A pending request as the core creates one, with the given overrides. */
export function approvalFixture(overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id: `apr_${randomBytes(9).toString('base64url')}`,
    requester: 'olive',
    tool: 'run_command',
    command: 'apt-get install -y htop',
    commandSha256: 'a'.repeat(64),
    hosts: [{ host: 'web-1', rule: 'approve apt-get install **', risk: 'high' }],
    requestId: 'req-1',
    createdAt: new Date(Date.UTC(2026, 10, 30, 10)).toISOString(),
    expiresAt: Date.UTC(2026, 10, 30, 10, 15) / 1000,
    status: 'pending',
    ...overrides,
  };
}

/**
 * What every ApprovalStore must do, whatever it is built on: the rules the core relies on
 * (ids taken once, status changes that happen at most once, expiry by the caller's clock).
 */
export function approvalStoreContract(name: string, open: () => Promise<ApprovalStore>): void {
  describe(`ApprovalStore contract: ${name}`, () => {
    it('stores a request and reads it back whole, optional fields absent rather than undefined', async () => {
      const store = await open();
      const record = approvalFixture({ justification: 'security update' });
      await store.create(record);
      expect(await store.get(record.id)).toEqual(record);
      expect(await store.get('apr_missingMissin')).toBeUndefined();
    });

    it('refuses a second request with a taken id', async () => {
      const store = await open();
      const record = approvalFixture();
      await store.create(record);
      await expect(store.create({ ...record, requester: 'mallory' })).rejects.toThrow(
        /already exists/,
      );
      expect((await store.get(record.id))?.requester).toBe('olive');
    });

    it('moves a request out of a status at most once: two deciders, one wins', async () => {
      const store = await open();
      const record = approvalFixture();
      await store.create(record);
      const [a, b] = await Promise.all([
        store.transition(record.id, 'pending', {
          status: 'approved',
          approver: 'ann',
          decidedAt: 't1',
        }),
        store.transition(record.id, 'pending', {
          status: 'denied',
          approver: 'bob',
          decidedAt: 't2',
        }),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const decided = await store.get(record.id);
      expect(decided?.status).toBe(a ? 'approved' : 'denied');
      expect(decided?.approver).toBe(a ? 'ann' : 'bob');
      // Consumed once; the second use finds it consumed.
      if (a) {
        expect(
          await store.transition(record.id, 'approved', { status: 'consumed', consumedAt: 't3' }),
        ).toBe(true);
        expect(
          await store.transition(record.id, 'approved', { status: 'consumed', consumedAt: 't4' }),
        ).toBe(false);
        expect((await store.get(record.id))?.consumedAt).toBe('t3');
      }
    });

    it('refuses a transition once the request has expired by the caller’s clock', async () => {
      const store = await open();
      const record = approvalFixture();
      await store.create(record);
      expect(
        await store.transition(record.id, 'pending', { status: 'approved' }, record.expiresAt),
      ).toBe(false);
      expect(
        await store.transition(record.id, 'pending', { status: 'approved' }, record.expiresAt - 1),
      ).toBe(true);
      expect(await store.transition('apr_missingMissin', 'pending', { status: 'approved' })).toBe(
        false,
      );
    });

    it('takes runs of an approved request one at a time, never more than it allows, never once expired', async () => {
      const store = await open();
      const single = approvalFixture();
      await store.create(single);
      expect(await store.use(single.id, single.expiresAt - 60)).toBeUndefined(); // pending: none
      await store.transition(single.id, 'pending', { status: 'approved', runs: 1 });
      expect(await store.use(single.id, single.expiresAt - 60)).toEqual({ used: 1, runs: 1 });
      expect(await store.use(single.id, single.expiresAt - 60)).toBeUndefined();
      const window = approvalFixture();
      await store.create(window);
      await store.transition(window.id, 'pending', { status: 'approved', runs: 3 });
      const uses = await Promise.all(
        Array.from({ length: 5 }, () => store.use(window.id, window.expiresAt - 60)),
      );
      expect(
        uses
          .filter(Boolean)
          .map((u) => u?.used)
          .sort(),
      ).toEqual([1, 2, 3]);
      const late = approvalFixture();
      await store.create(late);
      await store.transition(late.id, 'pending', { status: 'approved', runs: 2 });
      expect(await store.use(late.id, late.expiresAt)).toBeUndefined();
    });

    it('lists a requester’s requests and everyone’s, newest first', async () => {
      const store = await open();
      const who = `req-${Math.random().toString(36).slice(2, 8)}`;
      const older = approvalFixture({ requester: who, createdAt: '2026-11-30T09:00:00.000Z' });
      const newer = approvalFixture({ requester: who, createdAt: '2026-11-30T09:05:00.000Z' });
      await store.create(older);
      await store.create(newer);
      expect((await store.listByRequester(who, 10)).map((r) => r.id)).toEqual([newer.id, older.id]);
      const all = await store.list(100);
      expect(all.map((r) => r.id)).toEqual(expect.arrayContaining([newer.id, older.id]));
      const times = all.map((r) => r.createdAt);
      expect(times).toEqual([...times].sort().reverse());
    });
  });
}
