import type { Fleet, Host } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { z } from 'zod';
import { RISKS } from '../policy/risk.js';

export const DECISIONS = ['allow', 'deny', 'approval_required'] as const;
export type Decision = (typeof DECISIONS)[number];

/** The verdict on one simple command inside a command line. */
export const commandVerdictSchema = z.object({
  /** The command as it will run, wrappers shown: `sudo → systemctl restart nginx`. */
  command: z.string(),
  decision: z.enum(DECISIONS),
  reason: z.string(),
  rule: z.string().optional(),
  risk: z.enum(RISKS),
  grammar: z
    .string()
    .describe(
      "how the program's arguments were read: 'spec: …' in canonical form, or 'no spec: …' when only rule patterns judged them",
    ),
});
export type CommandVerdict = Readonly<z.infer<typeof commandVerdictSchema>>;

export const policyDecisionSchema = z.object({
  decision: z.enum(DECISIONS),
  /** Why, in words a user can act on. */
  reason: z.string(),
  /** The rule that decided, when a rule did. */
  rule: z.string().optional(),
  /** The highest risk among the commands; absent when the command could not be analysed. */
  risk: z.enum(RISKS).optional(),
  /** The profile(s) applied: the user's, plus any the host narrows it with. */
  profile: z.string(),
  commands: z.array(commandVerdictSchema),
});
export type PolicyDecision = Readonly<
  Omit<z.infer<typeof policyDecisionSchema>, 'commands'> & {
    readonly commands: readonly CommandVerdict[];
  }
>;

/** Decides whether a user may run a command on a host. */
export interface CommandPolicy {
  decide(ctx: { fleet: Fleet; user: User; host: Host }, command: string): PolicyDecision;
}
