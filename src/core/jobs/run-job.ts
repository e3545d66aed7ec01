import type { CoreDeps } from '../deps.js';
import type { JobHostRecord } from './job.js';
import type { StoredJob } from './job-dispatcher.js';
import { HostsRun } from '../run/run-hosts.js';
import { recordOutcome } from '../run/outcome.js';
import { supervise } from '../run/supervise.js';
import { letGo } from './take-over.js';

/** Time kept before a runner's end to let go of its work (store what it has, leave the rest). */
export const LET_GO_MARGIN_MS = 5_000;

export interface RunJobOptions {
  readonly runner: string;
  readonly signal?: AbortSignal;
  /** Aborted to let go of the work (a shutdown): see `letGo`. */
  readonly release?: AbortSignal;
  /**
   * Let go of the work once every host has started (a Lambda worker): the commands go on on their
   * hosts, and readers of the job take it over; nothing waits on them here.
   */
  readonly letGoOnceStarted?: boolean;
  readonly stored?: StoredJob;
  /**
   * When the runner itself will be stopped (a Lambda worker's end), as epoch ms: the work is let
   * go shortly before — the commands go on on their hosts, and readers of the job take it over.
   */
  readonly deadline?: number;
}

/**
 * Runs a stored job to its end: claims it (queued → running), runs every allowed host with output
 * streamed into the store, keeps a heartbeat, polls for a cancel request, and records per host
 * the outcome and a history item, then the job's end and the audit outcome. Any process can run
 * it — this one locally, a worker function on AWS.
 */
export async function runJob(
  deps: CoreDeps,
  jobId: string,
  options: RunJobOptions,
): Promise<JobHostRecord[] | undefined> {
  const loaded = options.stored ?? (await deps.jobs.get(jobId));
  if (!loaded) return undefined;
  // Whoever runs it must win queued → running first: one runner per job.
  const now = deps.clock.now().toISOString();
  const claimed = await deps.jobs.update(
    jobId,
    { status: 'running', startedAt: now, heartbeatAt: now, runner: options.runner },
    { status: ['queued'] },
  );
  if (!claimed) return undefined;
  const { job } = loaded;
  const fleet = await deps.fleet.current();
  const cancel = new AbortController();
  options.signal?.addEventListener('abort', () => cancel.abort(), { once: true });
  const stop = supervise(deps, jobId, cancel);
  const started = Date.now();
  const run = new HostsRun(deps, fleet, job, loaded.hosts, { stored: true, cancel: cancel.signal });
  const letGoAt =
    options.deadline === undefined
      ? undefined
      : setTimeout(
          () => void letGo(deps, jobId, run, stop).catch(() => undefined),
          Math.max(0, options.deadline - Date.now() - LET_GO_MARGIN_MS),
        );
  const onRelease = () => void letGo(deps, jobId, run, stop).catch(() => undefined);
  options.release?.addEventListener('abort', onRelease, { once: true });
  if (options.letGoOnceStarted) void run.allStarted().then(onRelease);
  let hosts: JobHostRecord[];
  try {
    hosts = await run.settled();
  } finally {
    clearTimeout(letGoAt);
    options.release?.removeEventListener('abort', onRelease);
    stop();
  }
  if (run.released) return hosts;
  await recordOutcome(deps, fleet, job, hosts, {
    status: cancel.signal.aborted ? 'cancelled' : 'completed',
    startedMs: started,
    stored: 'running',
  });
  return hosts;
}
