import { createHash } from 'node:crypto';
import type { AuditEvent } from './audit-record.js';
import { canonicalJson } from './hash-chain.js';

/** The longest command a record keeps whole: the longest a tool accepts. */
export const AUDIT_COMMAND_CHARS = 16_384;
const AUDIT_DETAIL_CHARS = 2_048;
const AUDIT_FIELD_CHARS = 256;
/**
 * An event's canonical JSON stays under this, so a stored record (the event plus its target list
 * copied out for filtering) stays well inside a DynamoDB item's 400 KB. Strings capped as above
 * stay under it on their own, even written as six-byte escapes; lists are halved until it fits.
 */
export const AUDIT_EVENT_BYTES = 160_000;

const SHORT_FIELDS = [
  'requestId',
  'user',
  'tool',
  'decision',
  'outcome',
  'address',
  'approvalId',
  'approver',
] as const;
const LISTS = ['targets', 'decisions', 'hosts'] as const;

/**
 * The event as it can be stored: a record that would be too large is cut and says what was cut
 * (`cut`, and `commandSha256` of a cut command), never dropped — an oversized argument must not
 * be the way to act unrecorded.
 */
export function fitEvent(event: AuditEvent): AuditEvent {
  const cuts: string[] = [];
  const fitted: Mutable<AuditEvent> = { ...event };
  const capText = (key: TextField, max: number) => {
    const value = fitted[key];
    if (value === undefined || value.length <= max) return;
    fitted[key] = value.slice(0, max);
    cuts.push(`${key}: first ${max} of ${value.length} characters`);
  };
  capText('command', AUDIT_COMMAND_CHARS);
  if (fitted.command !== event.command && event.command !== undefined)
    fitted.commandSha256 = createHash('sha256').update(event.command, 'utf8').digest('hex');
  capText('detail', AUDIT_DETAIL_CHARS);
  for (const key of SHORT_FIELDS) capText(key, AUDIT_FIELD_CHARS);

  const longest = Math.max(...LISTS.map((key) => event[key]?.length ?? 0));
  for (let keep = longest; size(fitted) > AUDIT_EVENT_BYTES && keep > 0;) {
    keep = Math.floor(keep / 2);
    if (event.targets && event.targets.length > keep) fitted.targets = event.targets.slice(0, keep);
    if (event.decisions && event.decisions.length > keep)
      fitted.decisions = event.decisions.slice(0, keep);
    if (event.hosts && event.hosts.length > keep) fitted.hosts = event.hosts.slice(0, keep);
  }
  for (const key of LISTS) {
    const list = event[key];
    const kept = fitted[key]?.length ?? 0;
    if (list && kept < list.length) cuts.push(`${key}: first ${kept} of ${list.length} listed`);
  }
  if (cuts.length === 0) return event;
  return { ...fitted, cut: cuts.join('; ') };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type TextField = 'command' | 'detail' | (typeof SHORT_FIELDS)[number];

function size(event: AuditEvent): number {
  return Buffer.byteLength(canonicalJson(event), 'utf8');
}
