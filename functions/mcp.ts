/**
 * Lambda entries: `handler` serves MCP over the Function URL, `worker` starts jobs (invoked
 * asynchronously by the handler) and, on a schedule, takes over running jobs nobody polls. Wiring only. The dependencies (clients, SSH pool, parser) are
 * built once per container and reused by every warm invocation.
 */
/* eslint-disable @typescript-eslint/no-deprecated -- hono/aws-lambda is deprecated in favour of
   @hono/aws-lambda, which the npm registry does not serve yet. */
import { handle } from 'hono/aws-lambda';
import type { Context } from 'aws-lambda';
import { composeAws } from '../src/compose/aws.js';
import { KEY_ONLY_ALIAS } from '../src/compose/aws-env.js';
import { runJob } from '../src/core/jobs/run-job.js';
import { takeOverStaleJobs } from '../src/core/jobs/take-over.js';
import type { WorkerEvent } from '../src/adapters/jobs/lambda-dispatcher.js';

/** A scheduled sweep looks at this many of the newest jobs. */
const SWEEP_JOBS = 200;

type Handler = ReturnType<typeof handle>;
type Event = Parameters<Handler>[0];
type Composed = Awaited<ReturnType<typeof composeAws>>;

// The bundle keeps the parser's WASM files beside index.js.
const start = () =>
  composeAws(process.env, { wasmDir: __dirname }).then((composed) => ({
    ...composed,
    serve: handle(composed.app),
    serveKeyOnly: handle(composed.keyOnlyApp),
  }));

// Started while the module loads, so clients and the parser are built during Lambda's init phase.
let ready: Promise<Composed & { serve: Handler; serveKeyOnly: Handler }> | undefined = start();
ready.catch(() => undefined);

export async function worker(event: WorkerEvent, context: Context): Promise<void> {
  ready ??= start();
  const { deps } = await ready.catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  if ('sweep' in event) {
    const taken = await takeOverStaleJobs(deps, SWEEP_JOBS);
    console.log(JSON.stringify({ level: 'info', message: 'stale jobs taken over', taken }));
    return;
  }
  // Starts the job's commands and lets go of them: they run on their hosts, bounded there, and
  // get_job reads them back. Nothing babysits a long command.
  await runJob(deps, event.jobId, {
    runner: `lambda-${context.awsRequestId}`,
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    letGoOnceStarted: true,
  });
}

export async function handler(event: Event, context: Context) {
  ready ??= start();
  let serve: Handler;
  try {
    const composed = await ready;
    // Invoked through the key-only alias's Function URL: API keys only, no OAuth discovery.
    serve = context.invokedFunctionArn.endsWith(`:${KEY_ONLY_ALIAS}`)
      ? composed.serveKeyOnly
      : composed.serve;
  } catch (error) {
    // Do not cache a failed start: the next invocation tries again.
    ready = undefined;
    console.error(
      JSON.stringify({
        level: 'error',
        message: 'gateway failed to start',
        error: (error as Error).message,
      }),
    );
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: 'internal',
        message: 'the gateway failed to start; see the function log',
      }),
    };
  }
  return serve(event, context);
}
