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
  /** Settles when the work has ended and its outcome is recorded (or it was let go). */
  readonly done: Promise<unknown>;
  /**
   * Lets go of the work: what it has is stored, its commands go on on their hosts, and whoever
   * reads the job next takes it over. Resolves once stored.
   */
  release(): Promise<void>;
}

export interface JobDispatcher {
  dispatch(jobId: string, stored?: StoredJob): Promise<void>;
  /**
   * Sees work already running here to its end. Resolves when the caller may answer: at once where
   * work goes on after an answer (a server process), once the work is let go where it cannot (a
   * Lambda invocation).
   */
  adopt(jobId: string, work: WorkInFlight): Promise<void>;
  /**
   * Stops the job's work at once where it runs in this process; work elsewhere (a worker) sees
   * the stored cancel flag instead, so there this does nothing.
   */
  cancel(jobId: string): void;
  /**
   * Resolves true when the job's work in this process has ended, false after `timeoutMs`;
   * undefined at once when its work does not run here (the store then says where it stands).
   */
  whenFinished(jobId: string, timeoutMs: number): Promise<boolean | undefined>;
}
