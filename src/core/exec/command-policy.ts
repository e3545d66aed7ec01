import type { Host } from '../fleet/fleet.js';
import { roleAtLeast, type User } from '../users/user.js';

export type Decision = 'allow' | 'deny' | 'approval_required';

export interface PolicyDecision {
  readonly decision: Decision;
  /** Why, in words a user can act on. */
  readonly reason: string;
  /** The rule that decided, when a rule did. */
  readonly rule?: string;
}

/**
 * Decides whether `user` may run `command` on `host`. This is the seam the shell-aware policy
 * engine plugs into; until then `rolePolicy` allows operators and above to run anything.
 */
export interface CommandPolicy {
  decide(user: User, host: Host, command: string): PolicyDecision;
}

export const rolePolicy: CommandPolicy = {
  decide(user) {
    return roleAtLeast(user.role, 'operator')
      ? { decision: 'allow', reason: `role ${user.role} may run commands`, rule: 'role' }
      : { decision: 'deny', reason: `role ${user.role} may not run commands`, rule: 'role' };
  },
};
