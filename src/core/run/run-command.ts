import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { IN_REQUEST_RUNNER, jobRecord } from '../jobs/create-job.js';
import { LET_GO_MARGIN_MS } from '../jobs/run-job.js';
import { letGo } from '../jobs/take-over.js';
import { FINISHED, type JobHostRecord, type JobRecord } from '../jobs/job.js';
import { groupIdenticalOutputs } from '../exec/output-groups.js';
import { summarize } from '../summary.js';
import {
  HOST_STATUSES,
  type HostRunResult,
  type HostStatus,
  type RunCommandResult,
} from './run-result.js';
import { decideRun, type ApprovalState, type RunInput, type RunPlan } from './decide.js';
import { recordIntent } from './audit-intent.js';
import { HostsRun } from './run-hosts.js';
import { recordMissingHistory, recordOutcome } from './outcome.js';
import { supervise } from './supervise.js';
import { HistoryBatch } from './history.js';
import { logDetail } from '../errors.js';

export { MAX_COMMAND_LENGTH } from './decide.js';

export interface RunCommandContext {
  readonly requestId: string;
  /** Where people reach the gateway, for an approval's page link. */
  readonly origin?: string;
  /**
   * When work in this process stops (a Lambda invocation's end), epoch ms; absent where work goes
   * on after the answer. The call answers before then, letting go of work still running.
   */
  readonly runUntil?: number;
}

/**
 * run_command, in the request: decide (targets, policy, approval) → the audit intent, durable →
 * run every host on pooled connections → each host's history item as it ends → the audit outcome.
 * Nothing else is stored when the command ends within the sync budget with output the answer
 * carries. Otherwise the job is stored and the answer says where the rest is: work that outlives
 * the budget goes on in this process (get_job follows it), and output beyond the answer's cap is
 * paged from the job.
 */
export async function runCommand(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: RunInput,
  ctx: RunCommandContext,
): Promise<RunCommandResult> {
  const started = Date.now();
  const limits = fleet.limits;
  // One budget for the whole call: a wait for an approval's decision comes out of it — and it
  // ends before this invocation does, so that the work can be let go in time.
  const waitUntil = Math.min(
    started + limits.syncBudgetSeconds * 1000,
    (ctx.runUntil ?? Infinity) - LET_GO_MARGIN_MS,
  );
  const timeoutMs =
    Math.min(input.timeoutSeconds ?? limits.commandTimeoutSeconds, limits.commandTimeoutSeconds) *
    1000;

  const plan = await decideRun(deps, fleet, user, input, {
    requestId: ctx.requestId,
    tool: 'run_command',
    waitUntil,
    ...(ctx.origin ? { origin: ctx.origin } : {}),
  });
  await recordIntent(deps, plan, { user, tool: 'run_command', requestId: ctx.requestId });

  const job = jobRecord(
    user,
    input,
    plan,
    {
      requestId: ctx.requestId,
      tool: 'run_command',
      maxTimeoutSeconds: limits.commandTimeoutSeconds,
    },
    fleet,
    deps.clock.now(),
  );
  const cancel = new AbortController();
  // The hosts' history items go out together at the end — or as each host ends, once stored.
  const history = new HistoryBatch(deps, job.id);
  // Once stored, the job is looked after (heartbeat, cancel) from then on: the store resolves to
  // the stop of that.
  let storing: Promise<() => void> | undefined;
  const store = () =>
    (storing ??= storeRun(deps, job, plan.hosts, run, history).then(() =>
      supervise(deps, job.id, cancel),
    ));
  const run: HostsRun = new HostsRun(deps, fleet, job, plan.hosts, {
    stored: false,
    cancel: cancel.signal,
    // The call's timeout bounds the call from here (an approval's wait came before): connecting,
    // queueing and running all count. Past this invocation's end the host's own timeout does.
    callDeadline: Date.now() + timeoutMs,
    onOverflow: () => void store().catch(() => undefined),
    history: history.add,
  });
  const call: StartedRun = { deps, fleet, plan, job, run, history, cancel, started };
  const hosts = await within(run.finished, waitUntil);
  if (hosts && !storing) return finishUnstored(call, Promise.resolve(hosts));
  // Stored: the work outlived the budget, or printed more than the answer carries.
  let stopLooking: () => void;
  try {
    stopLooking = await store();
  } catch (error) {
    // Nowhere to hand it over to: the answer waits for the hosts, and says it all.
    deps.logger.error('run_command could not store its job; the answer waits for its hosts', {
      requestId: ctx.requestId,
      error: logDetail(error),
    });
    return finishUnstored(call, run.finished);
  }
  return finishStored(call, hosts, stopLooking);
}

/** A run_command whose hosts have started: what its last stage needs. */
interface StartedRun {
  readonly deps: CoreDeps;
  readonly fleet: Fleet;
  readonly plan: RunPlan;
  readonly job: Omit<JobRecord, 'status'>;
  readonly run: HostsRun;
  readonly history: HistoryBatch;
  readonly cancel: AbortController;
  readonly started: number;
}

/** Every host's end here, its history items beside the audit outcome; nothing else stored. */
async function finishUnstored(call: StartedRun, ended: Promise<JobHostRecord[]>) {
  const { deps, fleet, job, run, history, started } = call;
  const [settled] = await Promise.all([
    run.settled(),
    history.flush(),
    ended.then((hosts) =>
      recordOutcome(deps, fleet, job, hosts, {
        status: 'completed',
        startedMs: started,
        stored: 'no',
      }),
    ),
  ]);
  await recordMissingHistory(deps, job, settled);
  return answer(call.plan, settled, fleet, started, { complete: true });
}

/**
 * The job is stored: its hosts go on here, looked after (heartbeat, cancel), and its end is
 * recorded when the last one ends. Ended already (`hosts`: only the output outgrew the answer):
 * the answer says where the rest is. Still running: the dispatcher takes the work over.
 */
async function finishStored(
  call: StartedRun,
  hosts: JobHostRecord[] | undefined,
  stop: () => void,
) {
  const { deps, fleet, job, run, cancel, started } = call;
  const rest = run
    .settled()
    .finally(stop)
    .then((all) =>
      // Let go: the end is for whoever reads the job next to record.
      run.released
        ? undefined
        : recordOutcome(deps, fleet, job, all, {
            status: cancel.signal.aborted ? 'cancelled' : 'completed',
            startedMs: started,
            stored: 'running',
          }),
    );
  if (hosts) {
    await rest;
    // As stored: with the bytes each stream holds, for the answer to say how much was cut.
    const kept = (await deps.jobs.get(job.id))?.hosts ?? hosts;
    return answer(call.plan, kept, fleet, started, { complete: true, jobId: job.id });
  }
  // Where work goes on after the answer this returns at once; where it cannot, once it is let go
  // (the commands go on on their hosts, and get_job takes the job over).
  await deps.dispatcher.adopt(job.id, {
    cancel,
    done: rest,
    release: () => letGo(deps, job.id, run, stop),
  });
  const now = await deps.jobs.get(job.id);
  const complete = now !== undefined && FINISHED.includes(now.job.status);
  return answer(call.plan, now?.hosts ?? call.plan.hosts, fleet, started, {
    complete,
    jobId: job.id,
  });
}

/**
 * Stores a run_command's job mid-run, claimed by this process from now on (its heartbeat starts
 * now), then what its hosts have so far and the history items gathered.
 */
async function storeRun(
  deps: CoreDeps,
  job: Omit<JobRecord, 'status'>,
  hosts: readonly JobHostRecord[],
  run: HostsRun,
  history: HistoryBatch,
): Promise<void> {
  const now = deps.clock.now().toISOString();
  await deps.jobs.create(
    { ...job, status: 'running', startedAt: now, heartbeatAt: now, runner: IN_REQUEST_RUNNER },
    hosts,
  );
  await Promise.all([run.store(), history.flush()]);
}

/** The value of `work` if it settles by `deadline` (epoch ms), else undefined (it goes on). */
async function within<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  if (deadline === Infinity) return work;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(
  plan: { readonly command: string; readonly approval?: ApprovalState },
  hosts: readonly JobHostRecord[],
  fleet: Fleet,
  started: number,
  extra: { complete: boolean; jobId?: string },
): RunCommandResult {
  return {
    ...assemble(plan.command, hosts, fleet.limits.maxOutputBytes),
    durationMs: Date.now() - started,
    complete: extra.complete,
    ...(extra.jobId ? { jobId: extra.jobId } : {}),
    ...(plan.approval ? { approval: plan.approval } : {}),
  };
}

function hostStatus(h: JobHostRecord): HostStatus {
  if (h.status === 'pending' || h.status === 'running') return 'running';
  if (h.status === 'lost') return 'unreachable';
  return h.status;
}

function assemble(
  command: string,
  hosts: readonly JobHostRecord[],
  maxOutputBytes: number,
): Omit<RunCommandResult, 'durationMs' | 'complete'> {
  const perHost = hosts.map((h) => {
    const stdout = h.head?.stdout ?? '';
    const stderr = h.head?.stderr ?? '';
    // The answer carries the first maxOutputBytes of each stream; get_job pages through the rest.
    const truncated =
      h.truncated ||
      h.bytes.stdout > Buffer.byteLength(stdout) ||
      h.bytes.stderr > Buffer.byteLength(stderr) ||
      Buffer.byteLength(stdout) >= maxOutputBytes ||
      Buffer.byteLength(stderr) >= maxOutputBytes;
    return {
      host: h.host,
      status: hostStatus(h),
      exitCode: h.exitCode,
      stdout,
      stderr,
      truncated,
      ...(truncated && h.bytes.stdout + h.bytes.stderr > 0 ? { outputBytes: h.bytes } : {}),
      durationMs: h.durationMs ?? 0,
      ...(h.reason !== undefined ? { reason: h.reason } : {}),
      ...(h.rule !== undefined ? { rule: h.rule } : {}),
      ...(h.risk !== undefined ? { risk: h.risk } : {}),
    };
  });
  const groups = groupIdenticalOutputs(perHost);
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.hosts.forEach((h) => groupOf.set(h, i)));
  const results: HostRunResult[] = perHost.map((r) => {
    const outputGroup = groupOf.get(r.host) ?? 0;
    const unique = (groups[outputGroup]?.hosts.length ?? 1) === 1;
    const { stdout, stderr, ...rest } = r;
    return unique ? { ...rest, stdout, stderr, outputGroup } : { ...rest, outputGroup };
  });
  return { command, results, summary: countStatuses(results), groups };
}

export function countStatuses(results: readonly { status: HostStatus }[]) {
  return summarize(
    HOST_STATUSES,
    results.map((r) => r.status),
  );
}
