import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import { fanOut } from '../exec/fan-out.js';
import { createScrubber } from '../exec/scrub.js';
import type { JobHostRecord, JobRecord } from '../jobs/job.js';
import { HostRun, type HostRunOptions } from './host-run.js';
import type { RunJob } from './outcome.js';
import { logDetail } from '../errors.js';

/**
 * Every host of a decided call that may run (`pending`), at most the concurrency limit at once;
 * the others keep the record the decision gave them. One host's unexpected failure is that host's
 * outcome: the others go on.
 */
export class HostsRun {
  /** Every host's record, in the call's order, once each has ended. */
  readonly finished: Promise<JobHostRecord[]>;
  private readonly runs: HostRun[] = [];
  /** Hosts whose run failed unexpectedly, for a job stored after they did. */
  private readonly failures: JobHostRecord[] = [];
  private stored: boolean;
  /** Let go: hosts still waiting for a slot are not started. */
  private releasing = false;
  private readonly everyStart: Promise<void>;

  constructor(
    private readonly deps: CoreDeps,
    fleet: Fleet,
    private readonly job: RunJob & Pick<JobRecord, 'maxConcurrency'>,
    hosts: readonly JobHostRecord[],
    options: HostRunOptions,
  ) {
    this.stored = options.stored;
    const limit = Math.min(
      job.maxConcurrency ?? fleet.limits.maxConcurrency,
      fleet.limits.maxConcurrency,
    );
    const pending = hosts.filter((h) => h.status === 'pending');
    const scrub = createScrubber(fleet.secretValues());
    const starts = pending.map(() => {
      let started: () => void = () => undefined;
      return { promise: new Promise<void>((r) => (started = r)), started: () => started() };
    });
    this.everyStart = Promise.all(starts.map((s) => s.promise)).then(() => undefined);
    let index = 0;
    this.finished = fanOut(pending, limit, async (h) => {
      const start = starts[index++];
      if (this.releasing) {
        start?.started();
        return this.notStarted(h);
      }
      const run = new HostRun(deps, fleet, job, h, { ...options, stored: this.stored, scrub });
      this.runs.push(run);
      void run.started.then(() => start?.started());
      return run.finished
        .catch((error: unknown) => this.failed(job, h, error))
        .finally(() => start?.started());
    }).then((done) => {
      const byName = new Map(done.map((h) => [h.host, h]));
      return hosts.map((h) => byName.get(h.host) ?? h);
    });
  }

  /**
   * The job is stored now: hosts running or done write what they have (resolved once written);
   * hosts still to come store everything.
   */
  async store(): Promise<void> {
    this.stored = true;
    await Promise.all([
      ...this.runs.map((run) => run.store()),
      ...this.failures.map((h) => this.deps.jobs.putHost(this.job.id, h, this.job.expiresAt)),
    ]);
  }

  /**
   * Lets go of every running host (see `HostRun.release`); hosts still waiting for a slot are
   * recorded as never started. Resolves once all of it is stored.
   */
  async release(): Promise<void> {
    this.releasing = true;
    await Promise.all(this.runs.map((run) => run.release()));
    await this.finished.catch(() => undefined);
  }

  /**
   * Resolves once every host has started (runs on its host under its supervisor) or ended — the
   * last ones only as slots free up under the concurrency limit.
   */
  allStarted(): Promise<void> {
    return this.everyStart;
  }

  /** True when some host was let go before it ended: its end is for a reader to record. */
  get released(): boolean {
    return this.runs.some((run) => run.released);
  }

  /** A host left waiting for a slot when the call let go. */
  private async notStarted(host: JobHostRecord): Promise<JobHostRecord> {
    const record: JobHostRecord = {
      ...host,
      status: 'lost',
      reason:
        'not started: the call let go of its work (its invocation ended) while this host waited for a free slot (more hosts than maxConcurrency); run the command again for this host, or raise maxConcurrency',
    };
    await this.deps.jobs.putHost(this.job.id, record, this.job.expiresAt).catch(() => undefined);
    return record;
  }

  /**
   * Every host's last record, in the call's order, once each has ended and its history item and
   * (when stored) its store writes are done.
   */
  async settled(): Promise<JobHostRecord[]> {
    const hosts = await this.finished;
    const finals = await Promise.all(
      this.runs.map((r) =>
        r.settled().catch((error: unknown) => {
          // Its outcome stands (the caller has it); the stored copy may lag, and the log says so.
          this.deps.logger.warn('job host state not stored', { error: logDetail(error) });
          return undefined;
        }),
      ),
    );
    const byName = new Map(finals.flatMap((h) => (h ? [[h.host, h] as const] : [])));
    return hosts.map((h) => byName.get(h.host) ?? h);
  }

  private async failed(job: RunJob, host: JobHostRecord, error: unknown): Promise<JobHostRecord> {
    this.deps.logger.error('job host failed unexpectedly', {
      jobId: job.id,
      host: host.host,
      error: logDetail(error),
    });
    const failed: JobHostRecord = {
      ...host,
      status: 'unreachable',
      reason: 'the gateway failed while running this host (see its log)',
    };
    if (this.stored)
      await this.deps.jobs.putHost(job.id, failed, job.expiresAt).catch(() => undefined);
    else this.failures.push(failed);
    return failed;
  }
}
