import { describe, expect, it } from 'vitest';
import type { AuditStore } from '../../../src/core/ports.js';
import type { AuditRecord } from '../../../src/core/audit/audit-record.js';

const record = (seq: number, hash = `h${seq}`): AuditRecord => ({
  seq,
  time: `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}Z`,
  prevHash: `h${seq - 1}`,
  hash,
  event: { type: 'admin', requestId: `r${seq}`, user: 'u', detail: `event ${seq}` },
});

/**
 * What every AuditStore must do: a seq is taken once (append if free — how two writers keep one
 * chain), the head is the highest seq, and ranges are bounded and ordered either way. Each test
 * opens an empty log.
 */
export function auditStoreContract(name: string, open: () => Promise<AuditStore>): void {
  describe(`AuditStore contract: ${name}`, () => {
    it('appends a record only if its seq is free, and keeps the first', async () => {
      const audit = await open();
      expect(await audit.head()).toBeUndefined();
      expect(await audit.append(record(1))).toBe(true);
      expect(await audit.append(record(1, 'forged'))).toBe(false);
      expect(await audit.head()).toEqual(record(1));
    });

    it('lets exactly one of two writers take a seq', async () => {
      const audit = await open();
      const results = await Promise.all([
        audit.append(record(1, 'a')),
        audit.append(record(1, 'b')),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(['a', 'b']).toContain((await audit.head())?.hash);
    });

    it('answers the highest seq as head, and ranges bounded on both sides, in either order', async () => {
      const audit = await open();
      for (const seq of [1, 2, 3, 4, 5]) expect(await audit.append(record(seq))).toBe(true);
      expect((await audit.head())?.seq).toBe(5);
      const seqs = (records: AuditRecord[]) => records.map((r) => r.seq);
      expect(seqs(await audit.range({ limit: 10 }))).toEqual([1, 2, 3, 4, 5]);
      expect(seqs(await audit.range({ afterSeq: 1, beforeSeq: 5, limit: 10 }))).toEqual([2, 3, 4]);
      expect(seqs(await audit.range({ limit: 2, newestFirst: true }))).toEqual([5, 4]);
      expect(seqs(await audit.range({ beforeSeq: 3, limit: 10, newestFirst: true }))).toEqual([
        2, 1,
      ]);
      expect(await audit.range({ afterSeq: 5, limit: 10 })).toEqual([]);
      // Read back whole: what was hashed is what is returned.
      expect((await audit.range({ afterSeq: 2, limit: 1 }))[0]).toEqual(record(3));
    });
  });
}
