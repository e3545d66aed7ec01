import type { CoreDeps } from '../deps.js';
import type { User } from '../users/user.js';
import { roleAtLeast } from '../users/user.js';
import { NotFoundError } from '../errors.js';
import { effectiveStatus, type ApprovalRecord } from './approval.js';
import { epochSeconds } from '../expiry.js';

/**
 * An approval as its requester, an approver or an admin may see it, with the status as of now
 * (expiry decided on read). Anyone else is told it does not exist, as for an unknown id.
 */
export async function viewApproval(
  deps: Pick<CoreDeps, 'approvals' | 'clock'>,
  user: User,
  id: string,
): Promise<ApprovalRecord> {
  const record = await deps.approvals.get(id);
  if (!record || (record.requester !== user.name && !roleAtLeast(user.role, 'approver')))
    throw new NotFoundError(`there is no approval "${id}" you can see`);
  return {
    ...record,
    status: effectiveStatus(record, epochSeconds(deps.clock)),
  };
}
