import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditStore } from '../../../src/adapters/dynamo/dynamo-audit-store.js';
import { AuditLog } from '../../../src/core/audit/audit-log.js';
import { AUDIT_COMMAND_CHARS } from '../../../src/core/audit/fit-event.js';
import { canonicalJson } from '../../../src/core/audit/hash-chain.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { auditStoreContract } from '../../support/contracts/audit-store.js';

// The log is one chain per table: each contract test gets a table of its own.
const opened: TestStore[] = [];
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
});

auditStoreContract('DynamoDB (dynalite)', async () => {
  const fresh = await startTestStore(`audit${opened.length}`);
  opened.push(fresh);
  return new DynamoAuditStore(fresh.db, fresh.tables.audit);
});

describe('the audit chain on DynamoDB (dynalite)', () => {
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
