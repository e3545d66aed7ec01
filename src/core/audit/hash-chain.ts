import { createHash } from 'node:crypto';
import { GENESIS_HASH, type AuditEvent, type AuditRecord } from './audit-record.js';

/** JSON with object keys sorted, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  // JSON.stringify gives undefined for these, whatever the lib's types say.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol')
    return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function recordHash(fields: {
  seq: number;
  time: string;
  prevHash: string;
  event: AuditEvent;
}): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** The record that follows `previous` (or starts the chain). */
export function chainRecord(
  previous: AuditRecord | undefined,
  time: string,
  event: AuditEvent,
): AuditRecord {
  const seq = previous ? previous.seq + 1 : 1;
  const prevHash = previous ? previous.hash : GENESIS_HASH;
  return { seq, time, prevHash, event, hash: recordHash({ seq, time, prevHash, event }) };
}

export type ChainBreak = { seq: number; reason: string };

/**
 * Checks one record against its predecessor: seq continuity, prevHash link and its own hash.
 * Returns the break, or undefined when the link holds.
 */
export function checkLink(
  previous: AuditRecord | undefined,
  record: AuditRecord,
): ChainBreak | undefined {
  const expectedSeq = previous ? previous.seq + 1 : 1;
  if (record.seq !== expectedSeq)
    return {
      seq: record.seq,
      reason: `expected seq ${expectedSeq}, found ${record.seq} (a record is missing)`,
    };
  const expectedPrev = previous ? previous.hash : GENESIS_HASH;
  if (record.prevHash !== expectedPrev)
    return { seq: record.seq, reason: 'prevHash does not match the previous record' };
  const { seq, time, prevHash, event } = record;
  if (recordHash({ seq, time, prevHash, event }) !== record.hash)
    return { seq: record.seq, reason: 'hash does not match the record (it was altered)' };
  return undefined;
}
