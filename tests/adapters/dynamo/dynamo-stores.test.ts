import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoUserStore } from '../../../src/adapters/dynamo/dynamo-user-store.js';
import { DynamoAuditStore } from '../../../src/adapters/dynamo/dynamo-audit-store.js';
import { DynamoHistoryStore } from '../../../src/adapters/dynamo/dynamo-history-store.js';
import { AuditLog } from '../../../src/core/audit/audit-log.js';
import { AUDIT_COMMAND_CHARS } from '../../../src/core/audit/fit-event.js';
import { canonicalJson } from '../../../src/core/audit/hash-chain.js';
import { issueApiKey } from '../../../src/core/users/api-key.js';
import type { User } from '../../../src/core/users/user.js';
import { ConflictError } from '../../../src/core/errors.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

const alice: User = {
  name: 'alice',
  role: 'operator',
  access: { hosts: ['a'], groups: [], tags: ['web'] },
  disabled: false,
  createdAt: '2026-01-01T00:00:00.000Z',
};

describe('DynamoDB stores on dynalite', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore();
  });
  afterAll(async () => store?.close());

  describe('users', () => {
    it('creates, reads, lists and refuses a duplicate name', async () => {
      const users = new DynamoUserStore(store.db, store.tables.users);
      await users.createUser(alice);
      await users.createUser({ ...alice, name: 'bob', role: 'viewer' });
      expect(await users.getUser('alice')).toEqual(alice);
      expect((await users.listUsers()).map((u) => u.name).sort()).toEqual(['alice', 'bob']);
      await expect(users.createUser(alice)).rejects.toBeInstanceOf(ConflictError);
      expect(await users.getUser('nobody')).toBeUndefined();
    });

    it('finds a key by hash, lists a user’s keys, and forgets a removed key', async () => {
      const users = new DynamoUserStore(store.db, store.tables.users);
      const k1 = issueApiKey('alice');
      const k2 = issueApiKey('alice');
      await users.addKey({
        keyHash: k1.keyHash,
        keyId: k1.keyId,
        userName: 'alice',
        createdAt: '2026-01-01T00:00:00Z',
      });
      await users.addKey({
        keyHash: k2.keyHash,
        keyId: k2.keyId,
        userName: 'alice',
        createdAt: '2026-01-02T00:00:00Z',
      });
      expect((await users.findKey(k1.keyHash))?.userName).toBe('alice');
      expect((await users.listKeys('alice')).map((k) => k.keyId)).toEqual([k1.keyId, k2.keyId]);
      await expect(users.removeKey('bob', k1.keyHash)).rejects.toThrow(/no such key/);
      await users.removeKey('alice', k1.keyHash);
      expect(await users.findKey(k1.keyHash)).toBeUndefined();
      expect(await users.findKey(k2.keyHash)).toBeDefined();
    });

    it('reads a key and its user together, and says which of the two is missing', async () => {
      const users = new DynamoUserStore(store.db, store.tables.users);
      const key = issueApiKey('carol');
      await users.createUser({ ...alice, name: 'carol' });
      expect(await users.findKeyAndUser(key.keyHash, 'carol')).toEqual({
        user: { ...alice, name: 'carol' },
      });
      await users.addKey({
        keyHash: key.keyHash,
        keyId: key.keyId,
        userName: 'carol',
        createdAt: '2026-01-03T00:00:00Z',
      });
      const both = await users.findKeyAndUser(key.keyHash, 'carol');
      expect(both.key?.userName).toBe('carol');
      expect(both.user?.name).toBe('carol');
      expect(await users.findKeyAndUser(key.keyHash, 'nobody')).toEqual({ key: both.key });
    });
  });

  describe('audit', () => {
    it('refuses a second record with a taken seq', async () => {
      const audit = new DynamoAuditStore(store.db, `${store.tables.audit}`);
      const record = {
        seq: 1,
        time: 't',
        prevHash: 'p',
        hash: 'h',
        event: { type: 'admin' as const, requestId: 'r', user: 'u' },
      };
      expect(await audit.append(record)).toBe(true);
      expect(await audit.append({ ...record, hash: 'other' })).toBe(false);
      expect((await audit.head())?.hash).toBe('h');
    });

    it('keeps one unbroken chain when two independent writers append concurrently', async () => {
      const fresh = await startTestStore('chain');
      try {
        const a = new AuditLog(new DynamoAuditStore(fresh.db, fresh.tables.audit));
        const b = new AuditLog(new DynamoAuditStore(fresh.db, fresh.tables.audit));
        const writes = Array.from({ length: 40 }, (_, i) =>
          (i % 2 ? a : b).append({
            type: 'admin',
            requestId: `r${i}`,
            user: 'u',
            detail: String(i),
          }),
        );
        const records = await Promise.all(writes);
        expect(new Set(records.map((r) => r.seq)).size).toBe(40);
        const result = await a.verify(7);
        expect(result).toEqual({ ok: true, records: 40 });
      } finally {
        await fresh.close();
      }
    });

    it('stores an oversized event cut to size, saying what was cut, and the chain still verifies', async () => {
      const fresh = await startTestStore('oversized');
      try {
        const log = new AuditLog(new DynamoAuditStore(fresh.db, fresh.tables.audit));
        const command = `echo ${'x'.repeat(400_000)}`;
        const hosts = Array.from({ length: 5_000 }, (_, i) => `host-with-a-long-name-${i}`);
        await log.append({
          type: 'tool.call',
          requestId: 'r',
          user: 'u',
          tool: 'run_command',
          command,
          targets: hosts,
          decisions: hosts.map((host) => ({
            host,
            decision: 'deny',
            rule: 'default',
            risk: 'low',
          })),
          detail: 'd'.repeat(100_000),
        });
        const [stored] = await new DynamoAuditStore(fresh.db, fresh.tables.audit).range({
          limit: 1,
        });
        const event = stored!.event;
        expect(event.command).toBe(command.slice(0, AUDIT_COMMAND_CHARS));
        expect(event.commandSha256).toBe(createHash('sha256').update(command).digest('hex'));
        expect(event.cut).toContain(
          `command: first ${AUDIT_COMMAND_CHARS} of ${command.length} characters`,
        );
        expect(event.cut).toContain('detail: first 2048 of 100000 characters');
        expect(event.cut).toMatch(/targets: first \d+ of 5000 listed/);
        expect(event.targets!.length).toBeGreaterThan(100);
        expect(event.targets!.length).toBeLessThan(5_000);
        expect(event.targets).toEqual(hosts.slice(0, event.targets!.length));
        expect(await log.verify()).toEqual({ ok: true, records: 1 });
      } finally {
        await fresh.close();
      }
    });

    it('detects a record altered in the table', async () => {
      const fresh = await startTestStore('tamper');
      try {
        const log = new AuditLog(new DynamoAuditStore(fresh.db, fresh.tables.audit));
        for (let i = 0; i < 5; i++)
          await log.append({ type: 'admin', requestId: `r${i}`, user: 'u', command: `cmd ${i}` });
        const [third] = await new DynamoAuditStore(fresh.db, fresh.tables.audit).range({
          afterSeq: 2,
          limit: 1,
        });
        const forged = { ...third!.event, command: 'innocent' };
        await fresh.db.send(
          new PutCommand({
            TableName: fresh.tables.audit,
            Item: {
              pk: 'chain',
              seq: 3,
              time: third!.time,
              prevHash: third!.prevHash,
              hash: third!.hash,
              event: canonicalJson(forged),
            },
          }),
        );
        const result = await log.verify();
        expect(result.ok).toBe(false);
        expect(result.break?.seq).toBe(3);
      } finally {
        await fresh.close();
      }
    });
  });

  describe('history', () => {
    it('lists a host’s entries newest first and treats expired ones as absent', async () => {
      const now = new Date('2026-06-01T00:00:00Z');
      const history = new DynamoHistoryStore(store.db, store.tables.history, { now: () => now });
      const base = {
        host: 'web-1',
        user: 'alice',
        command: 'uptime',
        status: 'ok',
        exitCode: 0,
        stdout: 'up',
        stderr: '',
        truncated: false,
        durationMs: 5,
        requestId: 'r',
      };
      const epoch = now.getTime() / 1000;
      await history.put({ ...base, id: '1', time: '2026-05-31T00:00:00Z', expiresAt: epoch + 100 });
      await history.put({ ...base, id: '2', time: '2026-05-31T01:00:00Z', expiresAt: epoch + 100 });
      await history.put({ ...base, id: '3', time: '2026-05-31T02:00:00Z', expiresAt: epoch - 1 });
      expect((await history.listByHost('web-1', 10)).map((e) => e.id)).toEqual(['2', '1']);
    });
  });
});
