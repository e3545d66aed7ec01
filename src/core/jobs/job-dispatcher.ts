/**
 * Hands a stored job to whatever runs it: this process (locally) or a worker function (on AWS).
 * Both run the same core `runJob`.
 */
export interface JobDispatcher {
  dispatch(jobId: string): Promise<void>;
  /** In-process runners can stop a job at once; others rely on the stored cancel flag. */
  cancel?(jobId: string): void;
  /** In-process runners can say when a job ends without polling; resolves false on timeout. */
  whenFinished?(jobId: string, timeoutMs: number): Promise<boolean>;
}
