import { z } from 'zod';
import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { Host } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import type { PolicyDecision } from '../exec/command-policy.js';
import { resolveTargets, type TargetSelector } from '../access.js';
import { InvalidInputError } from '../errors.js';
import { createScrubber } from '../exec/scrub.js';
import { approvalGate, type GateOutcome } from '../approvals/approval-gate.js';
import type { JobHostRecord } from '../jobs/job.js';
import { isoFromEpoch } from '../expiry.js';
import { InternalError } from '../errors.js';

export const MAX_COMMAND_LENGTH = 16_384;

/** What a call asks to run, and where. */
export interface RunInput extends TargetSelector {
  command: string;
  timeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  maxConcurrency?: number;
  /** The approval to use, when retrying a call that needed one. */
  approvalId?: string;
  /** Why the command is needed, shown to whoever decides an approval. */
  justification?: string;
}

/** Where a call that needed approval stands: what the model is told. */
export const approvalStateSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'denied', 'consumed']),
  expiresAt: z.string(),
  approver: z.string().optional(),
  note: z.string().optional(),
  message: z.string().describe('what to tell the person, and what to do next'),
});
export type ApprovalState = Readonly<z.infer<typeof approvalStateSchema>>;

/** What the policy and the approval gate made of a call, before anything runs. */
export interface RunPlan {
  readonly command: string;
  /** The command as recorded: configured secrets scrubbed. */
  readonly auditedCommand: string;
  /** Every target with its policy decision. */
  readonly decided: readonly { readonly host: Host; readonly decision: PolicyDecision }[];
  /** Per target: `pending` to run, or why it will not (denied, approval_required). */
  readonly hosts: readonly JobHostRecord[];
  readonly gate: GateOutcome;
  /** Where the approval stands, when hosts needed one. */
  readonly approval?: ApprovalState;
}

/**
 * Decides a call: the targets the user may reach, the policy's decision per host, and the
 * approval step for hosts that need one (a pending approval is waited for until `waitUntil`).
 * Denied hosts and, while an approval is not granted, the whole call are recorded as not run.
 */
export async function decideRun(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: RunInput,
  ctx: {
    readonly requestId: string;
    readonly tool: 'run_command' | 'start_job';
    /** When waiting for a pending approval must end (epoch ms). */
    readonly waitUntil?: number;
    /** Where people reach the gateway, for an approval's page link. */
    readonly origin?: string;
  },
): Promise<RunPlan> {
  const command = input.command;
  if (command.trim() === '') throw new InvalidInputError('command is empty');
  if (command.length > MAX_COMMAND_LENGTH)
    throw new InvalidInputError(`command is longer than ${MAX_COMMAND_LENGTH} characters`);
  const decided = resolveTargets(user, fleet, input).map((host) => ({
    host,
    decision: deps.policy.decide({ fleet, user, host }, command),
  }));
  const gate = await approvalGate(
    deps,
    fleet,
    user,
    decided
      .filter(({ decision: d }) => d.decision === 'approval_required')
      .map(({ host, decision: d }) => ({
        host: host.name,
        ...(d.rule ? { rule: d.rule } : {}),
        ...(d.risk ? { risk: d.risk } : {}),
      })),
    {
      tool: ctx.tool,
      command,
      requestId: ctx.requestId,
      ...(input.approvalId !== undefined ? { approvalId: input.approvalId } : {}),
      ...(input.justification !== undefined ? { justification: input.justification } : {}),
      ...(ctx.waitUntil !== undefined ? { waitUntil: ctx.waitUntil } : {}),
      ...(ctx.origin ? { origin: ctx.origin } : {}),
    },
  );
  const approved = new Set(
    gate.kind === 'run' && gate.approval ? gate.approval.hosts.map((h) => h.host) : [],
  );
  const hosts = decided.map(({ host, decision: d }): JobHostRecord => {
    const decision =
      d.decision === 'approval_required' && approved.has(host.name) ? 'allow' : d.decision;
    const risk = d.risk ? { risk: d.risk } : {};
    if (decision === 'deny') return notRun(host.name, 'denied', d.reason, d.rule, risk);
    if (gate.kind !== 'run') {
      // Nothing in the call runs until its approval is decided and used.
      const why =
        d.decision === 'allow'
          ? `held back with the rest of the call: ${gate.message}`
          : gate.message;
      return notRun(
        host.name,
        gate.kind === 'denied' ? 'denied' : 'approval_required',
        why,
        d.decision === 'allow' ? undefined : d.rule,
        risk,
      );
    }
    return {
      host: host.name,
      status: 'pending',
      exitCode: null,
      bytes: { stdout: 0, stderr: 0 },
      truncated: false,
      ...risk,
    };
  });
  return {
    command,
    auditedCommand: createScrubber(fleet.secretValues())(command),
    decided,
    hosts,
    gate,
    ...(gate.kind === 'run' && !gate.approval ? {} : { approval: approvalState(gate) }),
  };
}

function notRun(
  host: string,
  status: 'denied' | 'approval_required',
  reason: string,
  rule: string | undefined,
  risk: { risk?: JobHostRecord['risk'] },
): JobHostRecord {
  return {
    host,
    status,
    exitCode: null,
    bytes: { stdout: 0, stderr: 0 },
    truncated: false,
    reason,
    ...(rule ? { rule } : {}),
    ...risk,
  };
}

function approvalState(gate: GateOutcome): ApprovalState {
  const record = gate.approval;
  if (!record) throw new InternalError('approvalState needs an approval');
  const common = {
    id: record.id,
    expiresAt: isoFromEpoch(record.expiresAt),
    ...(record.approver ? { approver: record.approver } : {}),
    ...(record.note ? { note: record.note } : {}),
  };
  if (gate.kind === 'run')
    return {
      ...common,
      status: 'consumed',
      message: `ran with approval ${record.id} by ${record.approver ?? 'an approver'}`,
    };
  return {
    ...common,
    status: gate.kind === 'denied' ? 'denied' : 'pending',
    message: gate.message,
  };
}
