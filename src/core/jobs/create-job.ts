import { randomUUID } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { decideRun, type ApprovalState, type RunInput } from '../run/decide.js';
import { recordIntent } from '../run/audit-intent.js';
import { recordOutcome } from '../run/outcome.js';
import type { JobHostRecord, JobRecord } from './job.js';
import { AppError } from '../errors.js';
import { expiresAfterDays } from '../expiry.js';

/** The runner name of a run_command's job, stored already running in the process that answers. */
export const IN_REQUEST_RUNNER = 'in-request';

/**
 * Stores a job and hands it to the dispatcher: targets the user may access, a policy decision per
 * host (denied and approval_required hosts are recorded, never run), and the audit intent
 * written before any SSH starts.
 */
export async function createJob(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: RunInput,
  ctx: {
    requestId: string;
    tool: JobRecord['tool'];
    maxTimeoutSeconds: number;
    /** When the call's waiting must end (epoch ms), for a pending approval as for the job. */
    waitUntil?: number;
    /** Where people reach the gateway, for an approval's page link. */
    origin?: string;
  },
): Promise<{ job: JobRecord; hosts: readonly JobHostRecord[]; approval?: ApprovalState }> {
  const { maxJobsPerUser, maxSessionsPerUser } = fleet.limits;
  const active = await deps.jobs.countActive(user.name, maxJobsPerUser);
  const stopOne =
    'wait for one to end, or stop one with cancel_job (list_jobs with status "running" shows them)';
  if (active.jobs >= maxJobsPerUser)
    throw new AppError(
      'LIMIT',
      `you have ${maxJobsPerUser} jobs queued or running, the most one user may (limits.maxJobsPerUser); ${stopOne}`,
    );
  const sessionsLeft = maxSessionsPerUser - active.sessions;
  if (sessionsLeft <= 0)
    throw new AppError(
      'LIMIT',
      `your queued and running jobs hold ${active.sessions} SSH sessions, the most one user may (limits.maxSessionsPerUser is ${maxSessionsPerUser}); ${stopOne}`,
    );
  const plan = await decideRun(deps, fleet, user, input, ctx);
  const now = deps.clock.now();
  // Every host denied, or the call held for approval: nothing will run, so no runner is asked.
  const nothingToRun = plan.hosts.every((h) => h.status !== 'pending');
  const record = jobRecord(user, input, plan, ctx, fleet, now);
  const job: JobRecord = {
    ...record,
    // Fewer sessions left than it would hold: it runs fewer hosts at once.
    ...((record.sessions ?? 0) > sessionsLeft
      ? { sessions: sessionsLeft, maxConcurrency: sessionsLeft }
      : {}),
    ...(nothingToRun
      ? { status: 'completed' as const, startedAt: now.toISOString(), endedAt: now.toISOString() }
      : { status: 'queued' as const }),
  };
  // The intent and the job are independent writes; both are durable before any SSH starts.
  await Promise.all([
    recordIntent(deps, plan, { user, tool: ctx.tool, requestId: ctx.requestId, jobId: job.id }),
    deps.jobs.create(job, plan.hosts),
  ]);
  if (nothingToRun)
    // Stored already over: the outcome names the job, and its end is the one already stored.
    await recordOutcome(deps, fleet, job, plan.hosts, {
      status: 'completed',
      startedMs: now.getTime(),
      stored: 'ended',
    });
  else await deps.dispatcher.dispatch(job.id, { job, hosts: plan.hosts });
  return { job, hosts: plan.hosts, ...(plan.approval ? { approval: plan.approval } : {}) };
}

/** A new job's record for a decided call, before its status is set. */
export function jobRecord(
  user: User,
  input: RunInput,
  plan: { readonly command: string; readonly hosts: readonly JobHostRecord[] },
  ctx: { requestId: string; tool: JobRecord['tool']; maxTimeoutSeconds: number },
  fleet: Fleet,
  now: Date,
): Omit<JobRecord, 'status'> {
  const concurrency = Math.min(
    input.maxConcurrency ?? fleet.limits.maxConcurrency,
    fleet.limits.maxConcurrency,
  );
  const toRun = plan.hosts.filter((h) => h.status === 'pending').length;
  const command = plan.command;
  return {
    id: randomUUID(),
    owner: user.name,
    command,
    tool: ctx.tool,
    requestId: ctx.requestId,
    timeoutSeconds: Math.min(input.timeoutSeconds ?? ctx.maxTimeoutSeconds, ctx.maxTimeoutSeconds),
    ...(input.idleTimeoutSeconds !== undefined
      ? { idleTimeoutSeconds: input.idleTimeoutSeconds }
      : {}),
    ...(input.maxConcurrency !== undefined ? { maxConcurrency: input.maxConcurrency } : {}),
    sessions: Math.min(toRun, concurrency),
    createdAt: now.toISOString(),
    expiresAt: expiresAfterDays(now, fleet.limits.jobRetentionDays),
  };
}
