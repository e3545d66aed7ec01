import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { JobDispatcher, WorkInFlight } from '../../core/jobs/job-dispatcher.js';

/**
 * The payload the worker function receives: a job to start, or (from a schedule) a sweep that
 * takes over running jobs nobody polls.
 */
export type WorkerEvent = { readonly jobId: string } | { readonly sweep: true };

/**
 * Runs jobs in the worker function, invoked asynchronously: the request that started the job can
 * answer (and its container freeze) while the worker keeps running. Cancellation and completion
 * travel through the job store.
 */
export class LambdaDispatcher implements JobDispatcher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async dispatch(jobId: string): Promise<void> {
    const event: WorkerEvent = { jobId };
    await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
  }

  /** Nothing of a job runs here: the worker sees the stored cancel flag. */
  cancel(): void {}

  /** Nothing of a job runs here: the store says where it stands. */
  whenFinished(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /**
   * Work after a Lambda answer does not run (the container freezes), so the work is let go before
   * the answer: its commands go on on their hosts, where get_job reads them back.
   */
  async adopt(_jobId: string, work: WorkInFlight): Promise<void> {
    await work.release();
  }
}
