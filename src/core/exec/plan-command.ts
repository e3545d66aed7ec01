import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, type TargetSelector } from '../access.js';
import { InvalidInputError } from '../errors.js';
import type { PolicyDecision } from './command-policy.js';
import { MAX_COMMAND_LENGTH } from '../run/run-command.js';

export interface HostPlan extends Omit<PolicyDecision, 'commands'> {
  readonly host: string;
  readonly commands: PolicyDecision['commands'][number][];
}

export interface PlanResult {
  readonly command: string;
  readonly results: HostPlan[];
  readonly summary: { total: number; allow: number; deny: number; approval_required: number };
}

/** What run_command would decide on each target, and why, without running anything. */
export function planCommand(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: TargetSelector & { command: string },
): PlanResult {
  if (input.command.trim() === '') throw new InvalidInputError('command is empty');
  if (input.command.length > MAX_COMMAND_LENGTH)
    throw new InvalidInputError(`command is longer than ${MAX_COMMAND_LENGTH} characters`);
  const results = resolveTargets(user, fleet, input).map((host) => {
    const decision = deps.policy.decide({ fleet, user, host }, input.command);
    return { host: host.name, ...decision, commands: [...decision.commands] };
  });
  const count = (d: string) => results.filter((r) => r.decision === d).length;
  return {
    command: input.command,
    results,
    summary: {
      total: results.length,
      allow: count('allow'),
      deny: count('deny'),
      approval_required: count('approval_required'),
    },
  };
}
