/**
 * Hands a stored job to whatever runs it: this process (locally) or a worker function (on AWS).
 * Both run the same core `runJob`.
 */
import type { JobHostRecord, JobRecord } from './job.js';

/** The job as just stored, so an in-process runner need not read it back. */
export interface StoredJob {
  readonly job: JobRecord;
  readonly hosts: readonly JobHostRecord[];
}

/** Work already running in this process for a stored job (a run_command past its budget). */
export interface WorkInFlight {
  readonly cancel: AbortController;
  /** Settles when the work has ended and its outcome is recorded. */
  readonly done: Promise<unknown>;
}

export interface JobDispatcher {
  dispatch(jobId: string, stored?: StoredJob): Promise<void>;
  /**
   * Sees work already running here to its end. Resolves when the caller may answer: at once where
   * work goes on after an answer (a server process), when the work is done where it cannot (a
   * Lambda invocation).
   */
  adopt(jobId: string, work: WorkInFlight): Promise<void>;
  /** In-process runners can stop a job at once; others rely on the stored cancel flag. */
  cancel?(jobId: string): void;
  /** In-process runners can say when a job ends without polling; resolves false on timeout. */
  whenFinished?(jobId: string, timeoutMs: number): Promise<boolean>;
  /**
   * True when dispatch runs the job in this process at once: the job is then stored already
   * running, claimed by this process, instead of queued and claimed by a separate write.
   */
  readonly runsInProcess?: boolean;
}
