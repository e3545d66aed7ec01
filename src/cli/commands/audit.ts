import type { AuditRecord } from '../../core/audit/audit-record.js';
import { printable } from '../../core/text/printable.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { STORE_OPTIONS, parse } from '../store-options.js';
import { withStore } from './users.js';

const PAGE = 200;

export async function auditCommand(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parse(rest, {
    ...STORE_OPTIONS,
    user: { type: 'string' },
    host: { type: 'string' },
    limit: { type: 'string', default: '20' },
  });
  if (action === 'verify') {
    return withStore(values, async (store) => {
      const result = await store.audit.verify();
      if (result.ok) {
        io.out(`audit chain OK: ${result.records} record(s) verified`);
        return 0;
      }
      io.err(
        `audit chain BROKEN at seq ${result.break?.seq}: ${result.break?.reason} (${result.records} record(s) verified before it)`,
      );
      return 1;
    });
  }
  if (action === 'tail') {
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1)
      throw new UsageError('--limit takes a positive whole number');
    return withStore(values, async (store) => {
      const matches = (r: AuditRecord) =>
        (values.user === undefined || r.event.user === values.user) &&
        (values.host === undefined ||
          (r.event.targets ?? []).includes(values.host) ||
          (r.event.hosts ?? []).some((h) => h.host === values.host));
      const found: AuditRecord[] = [];
      // Newest first, a page at a time, until enough records match.
      let before: number | undefined;
      for (;;) {
        const page = await store.auditStore.range({
          limit: PAGE,
          newestFirst: true,
          ...(before !== undefined ? { beforeSeq: before } : {}),
        });
        found.push(...page.filter(matches));
        if (found.length >= limit || page.length < PAGE) break;
        before = page.at(-1)?.seq;
      }
      for (const r of found.slice(0, limit).reverse()) io.out(formatRecord(r));
      if (found.length === 0) io.out('no matching audit records');
      return 0;
    });
  }
  throw new UsageError('audit tail [--user U] [--host H] [--limit N] | audit verify');
}

export function formatRecord(r: AuditRecord): string {
  const e = r.event;
  const parts = [`#${r.seq}`, r.time, e.type, e.user];
  if (e.tool) parts.push(e.tool);
  if (e.targets?.length) parts.push(`targets=${e.targets.join(',')}`);
  if (e.command !== undefined) parts.push(`command=${JSON.stringify(e.command)}`);
  if (e.decision) parts.push(`decision=${e.decision}`);
  if (e.outcome) parts.push(`outcome=${e.outcome}`);
  if (e.durationMs !== undefined) parts.push(`${e.durationMs}ms`);
  if (e.detail) parts.push(e.detail);
  if (e.approvalId) parts.push(`approval=${e.approvalId}`);
  if (e.approver) parts.push(`approver=${e.approver}`);
  if (e.address) parts.push(`address=${e.address}`);
  if (e.cut) parts.push(`cut=${JSON.stringify(e.cut)}`);
  // Recorded text is shown as it is: no escape sequence or bidi mark may rewrite the terminal.
  return printable(parts.join('  '));
}
