import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, type TargetSelector } from '../access.js';
import { InvalidInputError } from '../errors.js';
import { createScrubber } from '../exec/scrub.js';
import type { JobHostRecord, JobRecord } from './job.js';

export const MAX_COMMAND_LENGTH = 16_384;

/** The runner name of jobs stored already claimed by the in-process dispatcher. */
export const IN_PROCESS_RUNNER = 'in-process';

export interface JobInput extends TargetSelector {
  command: string;
  timeoutSeconds?: number;
  idleTimeoutSeconds?: number;
  maxConcurrency?: number;
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
  ctx: { requestId: string; tool: JobRecord['tool']; maxTimeoutSeconds: number },
): Promise<{ job: JobRecord; hosts: JobHostRecord[] }> {
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
  const hosts: JobHostRecord[] = planned.map(({ host, decision: d }) => ({
    host: host.name,
    status:
      d.decision === 'allow' ? 'pending' : d.decision === 'deny' ? 'denied' : 'approval_required',
    exitCode: null,
    bytes: { stdout: 0, stderr: 0 },
    truncated: false,
    ...(d.decision === 'allow' ? {} : { reason: d.reason }),
    ...(d.rule && d.decision !== 'allow' ? { rule: d.rule } : {}),
    ...(d.risk ? { risk: d.risk } : {}),
  }));
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
    }),
    deps.jobs.create(job, hosts),
  ]);
  await deps.dispatcher.dispatch(id, { job, hosts });
  return { job, hosts };
}
