import { z } from 'zod';
import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, type TargetSelector } from '../access.js';
import { InvalidInputError } from '../errors.js';
import { DECISIONS, policyDecisionSchema } from './command-policy.js';
import { MAX_COMMAND_LENGTH } from '../run/run-command.js';
import { summarize, summarySchema } from '../summary.js';

/** What plan_command answers, defined once (its MCP output schema is this one). */
export const planResultSchema = z.object({
  command: z.string(),
  results: z.array(z.object({ host: z.string() }).extend(policyDecisionSchema.shape)),
  summary: summarySchema(DECISIONS),
});
export type PlanResult = z.infer<typeof planResultSchema>;

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
  return {
    command: input.command,
    results,
    summary: summarize(
      DECISIONS,
      results.map((r) => r.decision),
    ),
  };
}
