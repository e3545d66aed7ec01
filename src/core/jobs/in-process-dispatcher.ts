import type { Logger } from '../ports.js';
import type { JobDispatcher, StoredJob, WorkInFlight } from './job-dispatcher.js';
import type { JobHostRecord } from './job.js';
import { logDetail } from '../errors.js';

/**
 * Runs jobs in this process, in the background: the local gateway's runner. It can cancel a job
 * at once and tell waiters the moment a job ends, without polling the store.
 */
export class InProcessDispatcher implements JobDispatcher {
  private readonly running = new Map<
    string,
    { controller: AbortController; done: Promise<void>; release: () => Promise<void> }
  >();
  private stopping = false;

  constructor(
    private readonly run: (
      jobId: string,
      signal: AbortSignal,
      stored: StoredJob | undefined,
      release: AbortSignal,
    ) => Promise<readonly JobHostRecord[] | undefined>,
    private readonly logger: Logger,
  ) {}

  async dispatch(jobId: string, stored?: StoredJob): Promise<void> {
    const controller = new AbortController();
    const letGo = new AbortController();
    const done = Promise.resolve().then(() =>
      this.run(jobId, controller.signal, stored, letGo.signal),
    );
    await this.adopt(jobId, {
      cancel: controller,
      done,
      release: async () => {
        letGo.abort();
        await done.catch(() => undefined);
      },
    });
  }

  /** Work here goes on after the answer: it is tracked (cancel, shutdown) and the caller goes on. */
  adopt(jobId: string, work: WorkInFlight): Promise<void> {
    // Shutting down: work handed over now is let go at once (it goes on on its hosts).
    if (this.stopping) void work.release().catch(() => undefined);
    const done = work.done
      .then(() => undefined)
      .catch((error: unknown) =>
        this.logger.error('job runner failed', {
          jobId,
          error: logDetail(error),
        }),
      )
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, { controller: work.cancel, done, release: () => work.release() });
    return Promise.resolve();
  }

  cancel(jobId: string): void {
    this.running.get(jobId)?.controller.abort();
  }

  async whenFinished(jobId: string, timeoutMs: number): Promise<boolean | undefined> {
    const entry = this.running.get(jobId);
    if (!entry) return undefined;
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

  /**
   * Lets go of every running job (on shutdown): what each has is stored, its commands go on on
   * their hosts, and the next reader of the job — this gateway restarted, or another — takes it
   * over.
   */
  async stopAll(): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    await Promise.allSettled(all.map((e) => e.release()));
    await Promise.allSettled(all.map((e) => e.done));
  }
}
