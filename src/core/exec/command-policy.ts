import type { Fleet, Host } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import type { Risk } from '../policy/risk.js';

export type Decision = 'allow' | 'deny' | 'approval_required';

/** The verdict on one simple command inside a command line. */
export interface CommandVerdict {
  /** The command as it will run, wrappers shown: `sudo → systemctl restart nginx`. */
  readonly command: string;
  readonly decision: Decision;
  readonly reason: string;
  readonly rule?: string;
  readonly risk: Risk;
  /**
   * How the program's arguments were read: by its spec, in canonical form (`spec: sort
   * --output=/tmp/x`), or `no spec: …` when rules matched the words as written.
   */
  readonly grammar: string;
}

export interface PolicyDecision {
  readonly decision: Decision;
  /** Why, in words a user can act on. */
  readonly reason: string;
  /** The rule that decided, when a rule did. */
  readonly rule?: string;
  /** The highest risk among the commands; absent when the command could not be analysed. */
  readonly risk?: Risk;
  /** The profile(s) applied: the user's, plus any the host narrows it with. */
  readonly profile: string;
  readonly commands: readonly CommandVerdict[];
}

/** Decides whether a user may run a command on a host. */
export interface CommandPolicy {
  decide(ctx: { fleet: Fleet; user: User; host: Host }, command: string): PolicyDecision;
}
