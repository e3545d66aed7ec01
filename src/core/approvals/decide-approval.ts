import type { CoreDeps } from '../deps.js';

/** What deciding and expiring approvals need: the CLI has these without the rest. */
export type ApprovalDeps = Pick<CoreDeps, 'approvals' | 'audit' | 'clock'>;
import type { User } from '../users/user.js';
import { roleAtLeast } from '../users/user.js';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
} from '../errors.js';

/** The most runs one window may allow. */
export const MAX_WINDOW_RUNS = 100;
import { effectiveStatus, type ApprovalRecord } from './approval.js';
import { epochSeconds, isoFromEpoch } from '../expiry.js';

export type Decision = 'approve' | 'deny';

/**
 * A person decides a pending request: an approver or admin, never the requester (the two-person
 * rule; `approvals.selfApproval` lifts it for one-person setups). Decided once: a conditional
 * write, so of two deciders one wins and the other is told who did.
 */
export async function decideApproval(
  deps: ApprovalDeps,
  approver: User,
  id: string,
  decision: Decision,
  options: {
    note?: string;
    requestId: string;
    /** A time-boxed window (approve only): up to `runs` runs for `minutes` from now. */
    window?: { minutes: number; runs: number };
  },
): Promise<ApprovalRecord> {
  if (!roleAtLeast(approver.role, 'approver'))
    throw new ForbiddenError(
      `only approvers and admins decide approvals; "${approver.name}" is ${approver.role}`,
    );
  const record = await deps.approvals.get(id);
  if (!record)
    throw new NotFoundError(`there is no approval "${id}" ("approvals list" shows them)`);
  if (record.requester === approver.name && record.selfApproval !== true)
    throw new ForbiddenError(
      `approval ${id} was asked for by ${approver.name}: someone else must decide it (two-person rule; approvals.selfApproval: true in the fleet document allows it for one-person setups)`,
    );
  const now = epochSeconds(deps.clock);
  const window = options.window;
  if (window) {
    if (decision !== 'approve') throw new InvalidInputError('a window goes with approve, not deny');
    if (!record.maxWindowMinutes)
      throw new ForbiddenError(
        `windows are off for approval ${id} (approvals.maxWindowMinutes is 0)`,
      );
    if (
      !Number.isInteger(window.minutes) ||
      window.minutes < 1 ||
      window.minutes > record.maxWindowMinutes
    )
      throw new InvalidInputError(
        `a window lasts 1 to ${record.maxWindowMinutes} minutes (approvals.maxWindowMinutes)`,
      );
    if (!Number.isInteger(window.runs) || window.runs < 1 || window.runs > MAX_WINDOW_RUNS)
      throw new InvalidInputError(`a window allows 1 to ${MAX_WINDOW_RUNS} runs`);
  }
  const status = effectiveStatus(record, now);
  if (status === 'expired') {
    await expireApproval(deps, record, options.requestId);
    throw new ConflictError(
      `approval ${id} expired at ${isoFromEpoch(record.expiresAt)}; the requester must ask again`,
    );
  }
  if (status !== 'pending') throw new ConflictError(alreadyDecided(record));
  const decided: ApprovalRecord = {
    ...record,
    status: decision === 'approve' ? 'approved' : 'denied',
    approver: approver.name,
    decidedAt: deps.clock.now().toISOString(),
    ...(options.note ? { note: options.note } : {}),
    ...(decision === 'approve' ? { runs: window?.runs ?? 1 } : {}),
    // A window runs from the decision, for its minutes; a single run keeps the request's expiry.
    ...(window ? { expiresAt: now + window.minutes * 60 } : {}),
  };
  const won = await deps.approvals.transition(
    id,
    'pending',
    {
      status: decided.status,
      approver: approver.name,
      ...(decided.decidedAt ? { decidedAt: decided.decidedAt } : {}),
      ...(options.note ? { note: options.note } : {}),
      ...(decided.runs !== undefined ? { runs: decided.runs } : {}),
      ...(window ? { expiresAt: decided.expiresAt } : {}),
    },
    now,
  );
  if (!won) {
    const now2 = await deps.approvals.get(id);
    throw new ConflictError(now2 ? alreadyDecided(now2) : `approval ${id} is gone`);
  }
  await recordOrUndo(deps, decided, record.expiresAt, () =>
    deps.audit.append({
      type: decision === 'approve' ? 'approval.approved' : 'approval.denied',
      requestId: options.requestId,
      user: approver.name,
      tool: record.tool,
      approvalId: id,
      approver: approver.name,
      targets: record.hosts.map((h) => h.host),
      command: record.command,
      detail: `requested by ${record.requester}${window ? `; window: ${window.runs} runs for ${window.minutes} min` : ''}${options.note ? `; note: ${options.note}` : ''}`,
    }),
  );
  return decided;
}

/**
 * A decision stands only once the audit log has it: if the record cannot be written, the
 * decision is undone (the request is pending again) and the approver is told so.
 */
async function recordOrUndo(
  deps: ApprovalDeps,
  decided: ApprovalRecord,
  expiresAt: number,
  record: () => Promise<unknown>,
): Promise<void> {
  try {
    await record();
  } catch (error) {
    const undone = await deps.approvals
      .transition(decided.id, decided.status, { status: 'pending', expiresAt })
      .catch(() => false);
    throw new AppError(
      'STORE',
      undone
        ? `the decision could not be written to the audit log, so it was undone: approval ${decided.id} is still pending; try again, and tell an admin if it keeps failing`
        : `approval ${decided.id} is ${decided.status}, but the audit log could not record it; tell an admin`,
      { cause: error },
    );
  }
}

/** Records, once, that a request ran out of time (whoever notices first writes it). */
export async function expireApproval(
  deps: ApprovalDeps,
  record: ApprovalRecord,
  requestId: string,
): Promise<void> {
  if (record.status !== 'pending' && record.status !== 'approved') return;
  if (!(await deps.approvals.transition(record.id, record.status, { status: 'expired' }))) return;
  await deps.audit.append({
    type: 'approval.expired',
    requestId,
    user: record.requester,
    tool: record.tool,
    approvalId: record.id,
    targets: record.hosts.map((h) => h.host),
    command: record.command,
    detail: `${record.status} until ${isoFromEpoch(record.expiresAt)}`,
  });
}

function alreadyDecided(record: ApprovalRecord): string {
  return `approval ${record.id} is already ${record.status}${record.approver ? ` by ${record.approver}` : ''}${record.decidedAt ? ` at ${record.decidedAt}` : ''}`;
}
