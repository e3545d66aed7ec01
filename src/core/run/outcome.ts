import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import { createScrubber } from '../exec/scrub.js';
import type { JobHostRecord, JobRecord, JobStatus } from '../jobs/job.js';
import { logDetail } from '../errors.js';

/** What the outcome stage needs of the run: the job it is or would be stored as. */
export type RunJob = Pick<
  JobRecord,
  | 'id'
  | 'owner'
  | 'command'
  | 'tool'
  | 'requestId'
  | 'timeoutSeconds'
  | 'idleTimeoutSeconds'
  | 'expiresAt'
>;

export const HISTORY_NOT_STORED =
  'its history item could not be stored (the gateway log says why; tell an admin)';

/**
 * The run's end: the stored job's final status and then the `exec.outcome` record. A job still
 * `running` in the store is ended by a conditional write, and only whoever wins it appends the
 * outcome (a runner and a reader taking the job over may both get here); a job stored already
 * ended, or none, gets the outcome alone. An outcome that cannot be recorded is said loudly and
 * thrown: the commands have run, what failed is their record.
 */
export async function recordOutcome(
  deps: Pick<CoreDeps, 'jobs' | 'audit' | 'clock' | 'logger'>,
  fleet: Fleet,
  job: RunJob,
  hosts: readonly JobHostRecord[],
  end: {
    readonly status: JobStatus;
    readonly startedMs: number;
    /** The job as stored: not at all, still running, or ended already. */
    readonly stored: 'no' | 'running' | 'ended';
  },
): Promise<void> {
  if (
    end.stored === 'running' &&
    !(await deps.jobs.update(
      job.id,
      { status: end.status, endedAt: deps.clock.now().toISOString() },
      { status: ['running'] },
    ))
  )
    return;
  await deps.audit
    .append({
      type: 'exec.outcome',
      requestId: job.requestId,
      user: job.owner,
      tool: job.tool,
      targets: hosts.map((h) => h.host),
      command: createScrubber(fleet.secretValues())(job.command),
      outcome: `${end.status}; ${summarize(hosts)}${historyMissing(hosts)}`,
      hosts: hosts.map((h) => ({
        host: h.host,
        status: h.status,
        exitCode: h.exitCode,
        durationMs: h.durationMs ?? 0,
      })),
      durationMs: Date.now() - end.startedMs,
      ...(end.stored !== 'no' ? { detail: `job ${job.id}` } : {}),
    })
    .catch((error: unknown) => {
      deps.logger.error('audit append failed', { jobId: job.id, error: logDetail(error) });
      deps.logger.count('AuditWriteFailures');
      throw error;
    });
}

/**
 * When the audit outcome was written beside the history items, a history item that could not be
 * stored is recorded after it, so the audit still says which hosts have none.
 */
export async function recordMissingHistory(
  deps: Pick<CoreDeps, 'audit'>,
  job: RunJob,
  hosts: readonly JobHostRecord[],
): Promise<void> {
  const missing = hosts.filter((h) => h.reason?.endsWith(HISTORY_NOT_STORED)).map((h) => h.host);
  if (missing.length === 0) return;
  await deps.audit.append({
    type: 'exec.history-missing',
    requestId: job.requestId,
    user: job.owner,
    tool: job.tool,
    targets: missing,
    outcome: `history not stored for ${missing.join(',')}`,
  });
}

function historyMissing(hosts: readonly JobHostRecord[]): string {
  const missing = hosts.filter((h) => h.reason?.endsWith(HISTORY_NOT_STORED)).map((h) => h.host);
  return missing.length ? `; history not stored for ${missing.join(',')}` : '';
}

function summarize(hosts: readonly JobHostRecord[]): string {
  const counts = new Map<string, number>();
  for (const h of hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s}:${n}`).join(' ');
}
