import type { CoreDeps } from '../deps.js';
import { logDetail } from '../errors.js';

/** A runner's heartbeat: a stale one tells readers the runner died and the job is lost. */
export const HEARTBEAT_MS = 5_000;
const CANCEL_POLL_MS = 500;
/** A runner that has not beaten for this long is gone (six missed heartbeats). */
export const LOST_AFTER_MS = HEARTBEAT_MS * 6;

/**
 * Looks after a stored job while this process runs it: a heartbeat every few seconds, and a
 * cancel asked for by anyone (another process, another container) aborts `cancel`. Returns the
 * function that stops both.
 */
export function supervise(
  deps: Pick<CoreDeps, 'jobs' | 'clock' | 'logger'>,
  jobId: string,
  cancel: AbortController,
): () => void {
  const beat = setInterval(() => {
    deps.jobs
      .update(jobId, { heartbeatAt: deps.clock.now().toISOString() }, { status: ['running'] })
      .catch((error: unknown) =>
        deps.logger.warn('job heartbeat failed', { jobId, error: logDetail(error) }),
      );
  }, HEARTBEAT_MS);
  const poll = setInterval(() => {
    deps.jobs.getRecord(jobId).then(
      (r) => r?.cancelRequested && cancel.abort(),
      () => undefined,
    );
  }, CANCEL_POLL_MS);
  return () => {
    clearInterval(beat);
    clearInterval(poll);
  };
}
