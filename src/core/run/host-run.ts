import type { CoreDeps } from '../deps.js';
import type { Fleet, Host } from '../fleet/fleet.js';
import { createScrubber } from '../exec/scrub.js';
import type { ExecOutcome, SshTarget } from '../ports.js';
import { MAX_CHUNK_BYTES, type JobHostRecord, type OutputStream } from '../jobs/job.js';
import { OutputWriter } from '../jobs/output-writer.js';
import { HISTORY_NOT_STORED, type RunJob } from './outcome.js';
import { historyEntry, historyOneByOne, type HistorySink } from './history.js';
import { spoolBytes, spoolName } from './spool-name.js';
import { followSpool } from './follow-spool.js';
import { logDetail } from '../errors.js';

/** While a stored host runs: its buffered output and how far it got, once a second. */
const FLUSH_MS = 1_000;
/** Output held per stream before the command is made to wait for the store. */
const HOLD_AT_MOST = 4 * MAX_CHUNK_BYTES;
/** A host with less of its call's time left than this is not started. */
const MIN_COMMAND_MS = 100;

export interface HostRunOptions {
  /** Stored from the start (a job); otherwise nothing is stored until `store()`. */
  readonly stored: boolean;
  readonly cancel: AbortSignal;
  /**
   * When the whole call must be answered (run_command: its start plus its timeout), epoch ms: a
   * host queued behind the concurrency limit gets what is left, and none once it has passed.
   */
  readonly callDeadline?: number;
  /** Held output outgrew what an answer carries: the caller should store the job. */
  readonly onOverflow?: () => void;
  /** Where the history item goes; default: written as the host ends. */
  readonly history?: HistorySink;
  /** The fleet's scrubber, built once for all hosts of a run; default: built for this host. */
  readonly scrub?: (text: string) => string;
}

/**
 * One host's command, from connecting to its history item. Its output and state go to the stored
 * job when there is one: from the start (start_job, the worker), or from `store()` on (a
 * run_command that outlives its budget or prints more than its answer carries). Until then
 * nothing of it is stored but its history item.
 */
export class HostRun {
  /** The host's outcome, once the command ended (its history item may still be on its way). */
  readonly finished: Promise<JobHostRecord>;
  /** Whether the host's history item was stored (false: logged, counted, said on its outcome). */
  private history: Promise<boolean> = Promise.resolve(true);
  private stored: boolean;
  private writers: Record<OutputStream, OutputWriter> | undefined;
  /** Store writes of this host, in order: a late `running` can never land after the end. */
  private writes: Promise<unknown> = Promise.resolve();
  private final: JobHostRecord | undefined;
  private tick: NodeJS.Timeout | undefined;
  private shown: { stdout: number; stderr: number } | undefined;
  /** The run is over, whether it ended or failed: nothing ticks any more. */
  private ended = false;
  /** Aborted to let go of the command: it goes on on its host, whose spool a reader takes over. */
  private readonly letGo = new AbortController();
  /** Resolves once the command runs on its host under its supervisor, or the run is over. */
  readonly started: Promise<void>;
  private markStarted: () => void = () => undefined;

  constructor(
    private readonly deps: CoreDeps,
    private readonly fleet: Fleet,
    private readonly job: RunJob,
    private readonly record: JobHostRecord,
    private readonly options: HostRunOptions,
  ) {
    this.stored = options.stored;
    this.started = new Promise((resolve) => (this.markStarted = resolve));
    this.finished = this.run().finally(() => {
      this.markStarted();
      this.ended = true;
      clearInterval(this.tick);
    });
  }

  /**
   * The job is stored now: held output is written first, then the state as it changes. Resolves
   * once what this host has so far is stored (its end, when it has ended).
   */
  store(): Promise<void> {
    if (this.stored) return Promise.resolve();
    this.stored = true;
    const writers = this.writers;
    const final = this.final;
    // Released at once (each writer orders its own writes), so nothing is held from now on.
    if (writers) {
      const released = Promise.all([writers.stdout.release(), writers.stderr.release()]);
      released.catch(() => undefined); // observed through `writes`
      this.chain(() => released);
    }
    if (final) this.chain(() => this.storeFinal(final));
    else if (writers) this.startTicking();
    return this.writes.then(() => undefined);
  }

  /**
   * Lets go of the command (a Lambda invocation about to answer): what it printed so far is stored
   * up to its last whole line, the host is left `running`, and nothing more is written — its end
   * is recorded by whoever reads the job next (`takeOver`). Resolves once that is stored; a host
   * that has ended already is recorded as usual instead.
   */
  async release(): Promise<void> {
    if (!this.final && !this.ended) this.letGo.abort();
    await this.finished.catch(() => undefined);
    await this.writes;
  }

  /** True once the command was let go before it ended. */
  get released(): boolean {
    return this.letGo.signal.aborted && this.final === undefined;
  }

  /**
   * The host's last record, once its history item and (when stored) every store write are done;
   * a history item that could not be stored is said on it.
   */
  async settled(): Promise<JobHostRecord> {
    const done = await this.finished;
    if (!(await this.history))
      // The command ran; what is missing is its history item. Its outcome says so, where the
      // caller and get_job read it.
      this.end({ ...done, reason: [done.reason, HISTORY_NOT_STORED].filter(Boolean).join('; ') });
    await this.writes;
    return this.final ?? done;
  }

  private async run(): Promise<JobHostRecord> {
    const { deps, fleet, job, record, options } = this;
    const callLeftMs = (options.callDeadline ?? Infinity) - Date.now();
    const host = fleet.host(record.host);
    const refused = this.notStarting(host, callLeftMs);
    if (refused || !host) return this.end(refused ?? record);
    const limits = fleet.limits;
    const scrub = options.scrub ?? createScrubber(fleet.secretValues());
    const writer = (stream: OutputStream) =>
      new OutputWriter({
        store: deps.jobs,
        job,
        host: host.name,
        stream,
        cap: limits.jobOutputBytes,
        scrub,
        holding: !this.stored,
        headBytes: limits.maxOutputBytes,
      });
    const writers = (this.writers = { stdout: writer('stdout'), stderr: writer('stderr') });
    if (this.stored) this.startTicking();
    const target = { host, credential: fleet.credentialFor(host) };
    const spool = spoolName(job.id, host.name);
    let outcome: ExecOutcome;
    let lost: string | undefined;
    try {
      ({ outcome, lost } = await this.execute(
        target,
        spool,
        writers,
        Math.min(job.timeoutSeconds * 1000, callLeftMs),
      ));
    } finally {
      clearInterval(this.tick);
      this.tick = undefined;
    }
    if (this.letGo.signal.aborted && outcome.unspooled)
      return this.recordEnd(
        target,
        spool,
        writers,
        scrub,
        outcome,
        'the call let go of its work (its invocation ended) on a host that kept no spool (a full disk, or a home it cannot write), so the command was stopped; run it again once the host has room',
      );
    if (this.letGo.signal.aborted)
      return outcome.notStarted
        ? this.end({
            ...record,
            status: 'lost',
            reason:
              'not started: the call let go of its work (its invocation ended) before this host started; run the command again for this host',
          })
        : this.leaveRunning(writers);
    return this.recordEnd(target, spool, writers, scrub, outcome, lost);
  }

  /**
   * The command ended: what is still buffered is scrubbed once (stored when the job is, else kept
   * for the answer), the host's end goes to the store while its history item is written, and the
   * host's spool may go once both are.
   */
  private async recordEnd(
    target: SshTarget,
    spool: string,
    writers: Record<OutputStream, OutputWriter>,
    scrub: (text: string) => string,
    outcome: ExecOutcome,
    lost: string | undefined,
  ): Promise<JobHostRecord> {
    const { deps, fleet, job, record, options } = this;
    // What is still buffered, scrubbed once: stored when the job is, or kept for the head.
    if (this.stored) await this.flushAll(writers);
    else {
      for (const w of [writers.stdout, writers.stderr]) w.drain();
      // Scrubbing can lengthen output past what the answer carries: then the job keeps it.
      if (writers.stdout.cut || writers.stderr.cut) options.onOverflow?.();
    }
    const head = { stdout: writers.stdout.head, stderr: writers.stderr.head };
    const done: JobHostRecord = {
      ...record,
      status: lost ? 'lost' : outcome.status,
      exitCode: outcome.exitCode,
      durationMs: outcome.durationMs,
      // Cut past the job's cap — or, with no job to page from, past the answer's part.
      truncated:
        writers.stdout.truncated ||
        writers.stderr.truncated ||
        (!this.stored && (writers.stdout.cut || writers.stderr.cut)),
      head,
      ...(outcome.error !== undefined ? { reason: lost ?? outcome.error } : {}),
    };
    // The end goes to the store (when stored) while the history item is written.
    const history = options.history ?? historyOneByOne(deps, job.id);
    const cut = writers.stdout.cut || writers.stderr.cut;
    this.history = history(
      historyEntry(
        fleet,
        scrub,
        job,
        target.host.name,
        { ...outcome, truncated: cut },
        head,
        deps.clock.now(),
      ),
    );
    // A connection lost mid-command leaves the command on the host: its spool is kept, to read.
    const final = this.end(done);
    if (outcome.status !== 'unreachable')
      void Promise.all([this.history, this.writes]).then(
        () => deps.ssh.forgetSpool(target, spool),
        () => undefined,
      );
    return final;
  }

  /** The end of a host that does not start: gone from the fleet, cancelled, or out of time. */
  private notStarting(host: Host | undefined, callLeftMs: number): JobHostRecord | undefined {
    const { record, job, options } = this;
    if (!host)
      return {
        ...record,
        status: 'unreachable',
        reason: 'the host is no longer in the fleet configuration',
      };
    if (options.cancel.aborted)
      return {
        ...record,
        status: 'cancelled',
        reason: 'the job was cancelled before this host started',
      };
    if (callLeftMs < MIN_COMMAND_MS)
      return {
        ...record,
        status: 'timeout',
        reason: `not started: the call's ${job.timeoutSeconds} s ran out while it waited for a free slot (more hosts than maxConcurrency); raise timeoutSeconds or maxConcurrency, or use start_job`,
      };
    return undefined;
  }

  /**
   * Runs the command on its host, output to the writers at the store's pace once stored; a
   * connection dropped under it is followed through the host's spool until it ends (or said lost
   * when the host could keep none).
   */
  private async execute(
    target: SshTarget,
    spool: string,
    writers: Record<OutputStream, OutputWriter>,
    timeoutMs: number,
  ): Promise<{ outcome: ExecOutcome; lost?: string }> {
    const { deps, fleet, job, options } = this;
    const limits = fleet.limits;
    const startedMs = Date.now();
    const outcome = await deps.ssh.exec(target, job.command, {
      spool,
      spoolBytes: spoolBytes(limits.jobOutputBytes),
      timeoutMs,
      ...(job.idleTimeoutSeconds ? { idleTimeoutMs: job.idleTimeoutSeconds * 1000 } : {}),
      connectTimeoutMs: limits.connectTimeoutSeconds * 1000,
      // The writers are the one place output is kept and scrubbed.
      maxOutputBytes: 0,
      checkAddress: (address) => fleet.network.refusal(address),
      signal: options.cancel,
      release: this.letGo.signal,
      onStart: () => this.markStarted(),
      onData: (stream, chunk) => {
        const writer = writers[stream];
        writer.push(chunk);
        if (!this.stored && writer.held > limits.maxOutputBytes) options.onOverflow?.();
        // Stored: the store sets the pace, and the command waits for it (never a whole output
        // in memory).
        if (this.stored && writer.held >= HOLD_AT_MOST) return writer.flush(false);
        return undefined;
      },
    });
    if (outcome.unspooled)
      deps.logger.warn('command ran without a spool', {
        jobId: job.id,
        host: target.host.name,
        hint: 'the host has no room for ~/.smg-spool, or that directory is not the login user’s own',
      });
    if (outcome.connectionLost && outcome.unspooled)
      return {
        outcome,
        lost: `${outcome.error ?? 'the connection dropped'}; the host had no room for this command's spool (a full disk, or a home it cannot write), so its end cannot be read back`,
      };
    if (!outcome.connectionLost || this.letGo.signal.aborted) return { outcome };
    return followSpool(deps, target, spool, writers, {
      dropped: outcome,
      startedMs,
      timeoutMs,
      ...(job.idleTimeoutSeconds ? { idleSeconds: job.idleTimeoutSeconds } : {}),
      connectTimeoutMs: limits.connectTimeoutSeconds * 1000,
      checkAddress: (address) => fleet.network.refusal(address),
      cancel: options.cancel,
      letGo: this.letGo.signal,
    });
  }

  /** Let go: whole lines stored (the chunks say how far into the spool), the host left running. */
  private async leaveRunning(writers: Record<OutputStream, OutputWriter>): Promise<JobHostRecord> {
    await Promise.all([writers.stdout.flush(false), writers.stderr.flush(false)]).catch(
      () => undefined,
    );
    const running: JobHostRecord = {
      ...this.record,
      status: 'running',
      bytes: { stdout: writers.stdout.bytes, stderr: writers.stderr.bytes },
      truncated: writers.stdout.truncated || writers.stderr.truncated,
    };
    this.chain(() => this.deps.jobs.putHost(this.job.id, running, this.job.expiresAt));
    return running;
  }

  /** The host's last state; stored now when the job is, or by `store()` later. */
  private end(final: JobHostRecord): JobHostRecord {
    this.final = final;
    if (this.stored) this.chain(() => this.storeFinal(final));
    return final;
  }

  /** Adds a store write after the others; one that fails is logged, and the next still runs. */
  private chain(write: () => Promise<unknown>): void {
    this.writes = this.writes.then(write).catch((error: unknown) =>
      this.deps.logger.warn('job host state not stored', {
        jobId: this.job.id,
        host: this.record.host,
        error: logDetail(error),
      }),
    );
  }

  /** Stores what the writers still hold; a write that fails marks its stream cut (never thrown). */
  private flushAll(writers: Record<OutputStream, OutputWriter>): Promise<unknown> {
    return Promise.all([writers.stdout.flush(true), writers.stderr.flush(true)]).catch(
      () => undefined,
    );
  }

  private async storeFinal(final: JobHostRecord): Promise<void> {
    const writers = this.writers;
    if (writers) await this.flushAll(writers);
    await this.deps.jobs.putHost(
      this.job.id,
      {
        ...final,
        bytes: { stdout: writers?.stdout.bytes ?? 0, stderr: writers?.stderr.bytes ?? 0 },
        // As stored: cut only where the job's cap cut it.
        truncated: writers ? writers.stdout.truncated || writers.stderr.truncated : final.truncated,
      },
      this.job.expiresAt,
    );
  }

  /**
   * Once a second: store what is buffered, and let readers see the host running and how far each
   * stream has got. A command done within the first second never pays for this.
   */
  private startTicking(): void {
    const writers = this.writers;
    if (!writers || this.tick || this.final || this.ended) return;
    this.tick = setInterval(() => {
      this.writes = this.writes
        .then(() => Promise.all([writers.stdout.flush(false), writers.stderr.flush(false)]))
        .then(async () => {
          const bytes = { stdout: writers.stdout.bytes, stderr: writers.stderr.bytes };
          const same = this.shown?.stdout === bytes.stdout && this.shown.stderr === bytes.stderr;
          if (this.final || same) return;
          this.shown = bytes;
          await this.deps.jobs.putHost(
            this.job.id,
            { ...this.record, status: 'running', bytes },
            this.job.expiresAt,
          );
        })
        .catch((error: unknown) =>
          this.deps.logger.warn('job output flush failed', {
            jobId: this.job.id,
            host: this.record.host,
            error: logDetail(error),
          }),
        );
    }, FLUSH_MS);
  }
}
