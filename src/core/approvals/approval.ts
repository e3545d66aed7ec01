import { z } from 'zod';
import { RISKS } from '../policy/risk.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'consumed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A host an approval covers, with the policy's reason for asking. */
export const approvalHostSchema = z.object({
  host: z.string(),
  rule: z.string().optional(),
  risk: z.enum(RISKS).optional(),
});
export type ApprovalHost = Readonly<z.infer<typeof approvalHostSchema>>;

/**
 * A request for a second person to let one command run on some hosts, once. Everything that
 * binds it is here: who asked, the exact command (by hash; the text is scrubbed), the hosts.
 * The type is inferred from it; the store validates what it reads back against it.
 */
export const approvalRecordSchema = z.object({
  id: z.string(),
  requester: z.string(),
  /** The tool that asked (run_command, start_job). */
  tool: z.string(),
  /** The command as shown to people: configured secrets scrubbed. */
  command: z.string(),
  /** SHA-256 of the exact command bytes: what a retry must match. */
  commandSha256: z.string(),
  /** The hosts that needed approval, each with the rule and risk that asked for it. */
  hosts: z.array(approvalHostSchema),
  justification: z.string().optional(),
  /**
   * The requester may decide it too: the fleet's `approvals.selfApproval` when it was asked for,
   * kept with the request, so no one deciding can choose the rule that applies to them.
   */
  selfApproval: z.boolean().optional(),
  /**
   * The longest time-boxed window an approver may grant (the fleet's approvals.maxWindowMinutes
   * when it was asked for); absent when windows are off.
   */
  maxWindowMinutes: z.number().optional(),
  requestId: z.string(),
  createdAt: z.string(),
  /** Epoch seconds; past it a pending or approved request is expired, whatever is stored. */
  expiresAt: z.number(),
  status: z.enum(APPROVAL_STATUSES),
  approver: z.string().optional(),
  decidedAt: z.string().optional(),
  note: z.string().optional(),
  consumedAt: z.string().optional(),
  /** How many runs the approval allows (1, or K for a time-boxed window) and how many it had. */
  runs: z.number().int().optional(),
  used: z.number().int().optional(),
});
export type ApprovalRecord = Readonly<
  Omit<z.infer<typeof approvalRecordSchema>, 'hosts'> & { readonly hosts: readonly ApprovalHost[] }
>;

/** What a status change may set besides the status. */
export type ApprovalPatch = Pick<ApprovalRecord, 'status'> &
  Partial<
    Pick<ApprovalRecord, 'approver' | 'decidedAt' | 'note' | 'consumedAt' | 'runs' | 'expiresAt'>
  >;

/** The status a reader sees: expiry is decided on read, not by the store's TTL. */
export function effectiveStatus(record: ApprovalRecord, nowSeconds: number): ApprovalStatus {
  if (record.status === 'approved' && (record.used ?? 0) >= (record.runs ?? 1)) return 'consumed';
  if (
    (record.status === 'pending' || record.status === 'approved') &&
    nowSeconds >= record.expiresAt
  )
    return 'expired';
  return record.status;
}

/** The hosts an approval covers, as one comparable key (sorted). */
export function hostsKey(hosts: readonly { host: string }[]): string {
  return [...new Set(hosts.map((h) => h.host))].sort().join(',');
}

/** The approval's page, under the origin people reach the gateway at (never the request line). */
export function approvalPage(origin: string, id: string): string {
  return `${origin}/approvals/${id}`;
}
