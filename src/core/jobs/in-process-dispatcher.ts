import type { Logger } from '../ports.js';
import type { JobDispatcher, StoredJob } from './job-dispatcher.js';
import type { JobHostRecord } from './job.js';

/** Finished jobs' hosts are remembered briefly, for the request waiting on them. */
const REMEMBER = 256;

/**
 * Runs jobs in this process, in the background: the local gateway's runner. It can cancel a job
 * at once and tell waiters the moment a job ends, without polling the store.
 */
export class InProcessDispatcher implements JobDispatcher {
  readonly runsInProcess = true;
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  private readonly finished = new Map<string, readonly JobHostRecord[]>();

  constructor(
    private readonly run: (
      jobId: string,
      signal: AbortSignal,
      stored?: StoredJob,
    ) => Promise<readonly JobHostRecord[] | undefined>,
    private readonly logger: Logger,
  ) {}

  async dispatch(jobId: string, stored?: StoredJob): Promise<void> {
    const controller = new AbortController();
    const done = Promise.resolve()
      .then(() => this.run(jobId, controller.signal, stored))
      .then((hosts) => {
        if (!hosts) return;
        this.finished.set(jobId, hosts);
        if (this.finished.size > REMEMBER)
          this.finished.delete(this.finished.keys().next().value as string);
      })
      .catch((error: unknown) =>
        this.logger.error('job runner failed', {
          jobId,
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, { controller, done });
  }

  finalHosts(jobId: string): readonly JobHostRecord[] | undefined {
    return this.finished.get(jobId);
  }

  cancel(jobId: string): void {
    this.running.get(jobId)?.controller.abort();
  }

  async whenFinished(jobId: string, timeoutMs: number): Promise<boolean> {
    const entry = this.running.get(jobId);
    if (!entry) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
    );
    try {
      return await Promise.race([entry.done.then(() => true as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops every running job (on shutdown); they end as cancelled. */
  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    all.forEach((e) => e.controller.abort());
    await Promise.allSettled(all.map((e) => e.done));
  }
}
