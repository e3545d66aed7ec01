import type { CoreDeps } from '../deps.js';
import type { User } from '../users/user.js';
import { roleAtLeast } from '../users/user.js';
import { FINISHED, type JobRecord, type JobStatus } from './job.js';
import { loadJob, markLostIfStale } from './job-view.js';

const CANCEL_WAIT_MS = 3_000;

/** Waits for a job to finish, up to `timeoutMs`; true when it did. */
export async function waitForJob(
  deps: CoreDeps,
  jobId: string,
  timeoutMs: number,
): Promise<boolean> {
  const here = await deps.dispatcher.whenFinished(jobId, timeoutMs);
  if (here !== undefined) return here;
  const deadline = Date.now() + timeoutMs;
  for (let delay = 100; ; delay = Math.min(delay * 1.5, 500)) {
    const record = await deps.jobs.getRecord(jobId);
    if (!record || FINISHED.includes(record.status)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, Math.min(delay, deadline - Date.now())));
  }
}

/**
 * Asks a job to stop: running commands are killed (their process groups), hosts not started are
 * skipped, the output so far is kept. Returns once the job has stopped or after a few seconds.
 */
export async function cancelJob(deps: CoreDeps, user: User, jobId: string): Promise<void> {
  const { job } = await loadJob(deps, user, jobId);
  if (FINISHED.includes(job.status)) return;
  // Not yet claimed by a runner: cancel it outright, and the runner's claim will fail.
  if (
    await deps.jobs.update(
      jobId,
      { status: 'cancelled', cancelRequested: true, endedAt: deps.clock.now().toISOString() },
      { status: ['queued'] },
    )
  )
    return;
  await deps.jobs.update(jobId, { cancelRequested: true }, { status: ['running'] });
  deps.dispatcher.cancel(jobId);
  await waitForJob(deps, jobId, CANCEL_WAIT_MS);
}

/** The user's jobs, newest first (admins may ask for everyone's), optionally by status. */
export async function listJobs(
  deps: CoreDeps,
  user: User,
  options: { all?: boolean; status?: JobStatus; limit: number },
): Promise<JobRecord[]> {
  const everyone = options.all === true && roleAtLeast(user.role, 'admin');
  const jobs = await deps.jobs.list({
    ...(everyone ? {} : { owner: user.name }),
    limit: options.status ? Math.max(options.limit * 4, 50) : options.limit,
  });
  const fresh = await Promise.all(
    jobs.map(async (job) =>
      FINISHED.includes(job.status) ? job : (await markLostIfStale(deps, { job, hosts: [] })).job,
    ),
  );
  return fresh
    .filter((j) => !options.status || j.status === options.status)
    .slice(0, options.limit);
}
