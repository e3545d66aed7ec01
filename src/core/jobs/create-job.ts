import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, type TargetSelector } from '../access.js';
import { InvalidInputError } from '../errors.js';
import { createScrubber } from '../exec/scrub.js';
import { approvalGate, type GateOutcome } from '../approvals/approval-gate.js';
import type { JobHostRecord, JobRecord } from './job.js';

export const MAX_COMMAND_LENGTH = 16_384;

/** The runner name of jobs stored already claimed by the in-process dispatcher. */
export const IN_PROCESS_RUNNER = 'in-process';

export interface JobInput extends TargetSelector {
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
export interface ApprovalState {
  readonly id: string;
  readonly status: 'pending' | 'denied' | 'consumed';
  readonly expiresAt: string;
  readonly approver?: string;
  readonly note?: string;
  /** What to tell the person, and what to do next. */
  readonly message: string;
}

/**
 * Stores a job and hands it to the dispatcher: targets the user may access, a policy decision per
 * host (denied and approval_required hosts are recorded, never run), and the audit intent
 * written before any SSH starts.
 */
export async function createJob(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: JobInput,
  ctx: {
    requestId: string;
    tool: JobRecord['tool'];
    maxTimeoutSeconds: number;
    /** When the call's waiting must end (epoch ms), for a pending approval as for the job. */
    waitUntil?: number;
    /** Where people reach the gateway, for an approval's page link. */
    origin?: string;
  },
): Promise<{ job: JobRecord; hosts: JobHostRecord[]; approval?: ApprovalState }> {
  const command = input.command;
  if (command.trim() === '') throw new InvalidInputError('command is empty');
  if (command.length > MAX_COMMAND_LENGTH)
    throw new InvalidInputError(`command is longer than ${MAX_COMMAND_LENGTH} characters`);
  const targets = resolveTargets(user, fleet, input);
  const planned = targets.map((host) => ({
    host,
    decision: deps.policy.decide({ fleet, user, host }, command),
  }));
  const auditedCommand = createScrubber(fleet.secretValues())(command);
  const gate = await approvalGate(
    deps,
    fleet,
    user,
    planned
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
  const id = randomUUID();

  const now = deps.clock.now();
  const job: JobRecord = {
    id,
    owner: user.name,
    command,
    tool: ctx.tool,
    requestId: ctx.requestId,
    timeoutSeconds: Math.min(input.timeoutSeconds ?? ctx.maxTimeoutSeconds, ctx.maxTimeoutSeconds),
    ...(input.idleTimeoutSeconds !== undefined
      ? { idleTimeoutSeconds: input.idleTimeoutSeconds }
      : {}),
    ...(input.maxConcurrency !== undefined ? { maxConcurrency: input.maxConcurrency } : {}),
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + fleet.limits.jobRetentionDays * 86_400,
    // An in-process runner starts it now: stored as running (claimed), saving a separate claim write.
    ...(deps.dispatcher.runsInProcess
      ? {
          status: 'running' as const,
          startedAt: now.toISOString(),
          heartbeatAt: now.toISOString(),
          runner: IN_PROCESS_RUNNER,
        }
      : { status: 'queued' as const }),
  };
  const hosts: JobHostRecord[] = planned.map(({ host, decision: d }) => {
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
  // The intent and the job are independent writes; both are durable before any SSH starts.
  await Promise.all([
    deps.audit.append({
      type: 'exec.intent',
      requestId: ctx.requestId,
      user: user.name,
      tool: ctx.tool,
      targets: targets.map((h) => h.name),
      command: auditedCommand,
      decision: [...new Set(planned.map((p) => p.decision.decision))]
        .map((d) => `${d}:${planned.filter((p) => p.decision.decision === d).length}`)
        .join(' '),
      decisions: planned.map(({ host, decision: d }) => ({
        host: host.name,
        decision: d.decision,
        ...(d.rule ? { rule: d.rule } : {}),
        ...(d.risk ? { risk: d.risk } : {}),
      })),
      detail: `job ${id}`,
      ...(gate.kind === 'run' && gate.approval
        ? {
            approvalId: gate.approval.id,
            ...(gate.approval.approver ? { approver: gate.approval.approver } : {}),
          }
        : gate.kind !== 'run'
          ? { approvalId: gate.approval.id }
          : {}),
    }),
    deps.jobs.create(job, hosts),
  ]);
  await deps.dispatcher.dispatch(id, { job, hosts });
  return {
    job,
    hosts,
    ...(gate.kind === 'run' && !gate.approval ? {} : { approval: stateOf(gate) }),
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

function stateOf(gate: GateOutcome): ApprovalState {
  const record = gate.approval;
  if (!record) throw new Error('stateOf needs an approval');
  const common = {
    id: record.id,
    expiresAt: new Date(record.expiresAt * 1000).toISOString(),
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
