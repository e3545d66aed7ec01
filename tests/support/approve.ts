import { checkApiKey } from '../../src/core/users/user-admin.js';
import { decideApproval } from '../../src/core/approvals/decide-approval.js';
import { systemClock } from '../../src/core/ports.js';
import type { CoreDeps } from '../../src/core/deps.js';

/** Approves `id` as the holder of `key` would with the CLI: the core's decision, on the same store. */
export async function approveWithKey(
  deps: Pick<CoreDeps, 'users' | 'approvals' | 'audit'>,
  key: string,
  id: string,
): Promise<void> {
  const approver = await checkApiKey(deps.users, key);
  if (!('user' in approver)) throw new Error(approver.refused);
  await decideApproval({ ...deps, clock: systemClock }, approver.user, id, 'approve', {
    requestId: 'test-approval',
  });
}
