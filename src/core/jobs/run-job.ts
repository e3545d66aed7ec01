import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import { createScrubber } from '../exec/scrub.js';
import { fanOut } from '../exec/fan-out.js';
import { HISTORY_OUTPUT_BYTES } from '../exec/history-entry.js';
import type { ExecOutcome } from '../ports.js';
import type { JobHostRecord, JobRecord } from './job.js';
import type { StoredJob } from './job-dispatcher.js';
import { IN_PROCESS_RUNNER } from './create-job.js';
import { OutputWriter } from './output-writer.js';

export const HEARTBEAT_MS = 5_000;
const CANCEL_POLL_MS = 500;
const FLUSH_MS = 1_000;

/**
 * Runs a stored job to its end: claims it (queued → running), runs every allowed host with
 * output streamed into the store, keeps a heartbeat, polls for a cancel request, and records per
 * host the outcome and a history item, then the job's end and the audit outcome. Any process can
 * run it — this one locally, a worker function on AWS.
 */
/** Time kept back before a runner's deadline, to store the outcome after the commands are killed. */
const DEADLINE_MARGIN_MS = 20_000;

export interface RunJobOptions {
  readonly runner: string;
  readonly signal?: AbortSignal;
  readonly stored?: StoredJob;
  /** When the runner itself will be stopped (a Lambda worker's end), as epoch ms: commands end before it. */
  readonly deadline?: number;
}

export async function runJob(
  deps: CoreDeps,
  jobId: string,
  options: RunJobOptions,
): Promise<JobHostRecord[] | undefined> {
  const loaded = options.stored ?? (await deps.jobs.get(jobId));
  if (!loaded) return undefined;
  let heartbeat = deps.clock.now().toISOString();
  // A job stored already claimed by this process needs no claim; any other must win queued → running.
  const preclaimed =
    options.stored !== undefined &&
    loaded.job.runner === IN_PROCESS_RUNNER &&
    loaded.job.status === 'running';
  if (preclaimed) heartbeat = loaded.job.heartbeatAt ?? heartbeat;
  else if (
    !(await deps.jobs.update(
      jobId,
      { status: 'running', startedAt: heartbeat, heartbeatAt: heartbeat, runner: options.runner },
      { status: ['queued'] },
    ))
  )
    return undefined;
  const { job, hosts } = loaded;
  const fleet = await deps.fleet.current();
  const cancel = new AbortController();
  options.signal?.addEventListener('abort', () => cancel.abort(), { once: true });

  const beat = setInterval(() => {
    const next = deps.clock.now().toISOString();
    deps.jobs.update(jobId, { heartbeatAt: next }, { status: ['running'] }).then(
      (ok) => ok && (heartbeat = next),
      (error: unknown) => deps.logger.warn('job heartbeat failed', { jobId, error: String(error) }),
    );
  }, HEARTBEAT_MS);
  const poll = setInterval(() => {
    deps.jobs.getRecord(jobId).then(
      (r) => r?.cancelRequested && cancel.abort(),
      () => undefined,
    );
  }, CANCEL_POLL_MS);
  const started = Date.now();
  let finished: JobHostRecord[];
  try {
    const pending = hosts.filter((h) => h.status === 'pending');
    finished = await fanOut(
      pending,
      Math.min(job.maxConcurrency ?? fleet.limits.maxConcurrency, fleet.limits.maxConcurrency),
      (h) =>
        // One host's unexpected failure is that host's outcome; the others go on.
        runHost(deps, fleet, job, h, cancel.signal, options.deadline).catch(
          async (error: unknown): Promise<JobHostRecord> => {
            deps.logger.error('job host failed unexpectedly', {
              jobId,
              host: h.host,
              error: error instanceof Error ? error.message : String(error),
            });
            const failed: JobHostRecord = {
              ...h,
              status: 'unreachable',
              reason: 'the gateway failed while running this host (see its log)',
            };
            await deps.jobs.putHost(jobId, failed, job.expiresAt).catch(() => undefined);
            return failed;
          },
        ),
    );
  } finally {
    clearInterval(beat);
    clearInterval(poll);
  }
  const status = cancel.signal.aborted ? 'cancelled' : 'completed';
  void heartbeat;
  const byName = new Map(finished.map((h) => [h.host, h]));
  const all = hosts.map((h) => byName.get(h.host) ?? h);
  // The job's end and the audit outcome are independent writes.
  const [, ended] = await Promise.all([
    deps.jobs.update(
      jobId,
      { status, endedAt: deps.clock.now().toISOString() },
      { status: ['running'] },
    ),
    deps.audit
      .append({
        type: 'exec.outcome',
        requestId: job.requestId,
        user: job.owner,
        tool: job.tool,
        targets: all.map((h) => h.host),
        command: createScrubber(fleet.secretValues())(job.command),
        outcome: `${status}; ${summarize(all)}${historyMissing(all)}`,
        hosts: all.map((h) => ({
          host: h.host,
          status: h.status,
          exitCode: h.exitCode,
          durationMs: h.durationMs ?? 0,
        })),
        durationMs: Date.now() - started,
        detail: `job ${job.id}`,
      })
      .catch((error: unknown) => {
        // The commands have run; what failed is their record. Said loudly, never swallowed.
        deps.logger.error('audit append failed', { jobId, error: String(error) });
        deps.logger.count('AuditWriteFailures');
        throw error;
      }),
  ]);
  void ended;
  return all;
}

function historyMissing(hosts: readonly JobHostRecord[]): string {
  const missing = hosts.filter((h) => h.reason?.endsWith(HISTORY_NOT_STORED)).map((h) => h.host);
  return missing.length ? `; history not stored for ${missing.join(',')}` : '';
}

function summarize(hosts: readonly JobHostRecord[]): string {
  const counts = new Map<string, number>();
  for (const h of hosts) counts.set(h.status, (counts.get(h.status) ?? 0) + 1);
  return [...counts].map(([s, n]) => `${s}:${n}`).join(' ');
}

async function runHost(
  deps: CoreDeps,
  fleet: Fleet,
  job: JobRecord,
  record: JobHostRecord,
  cancel: AbortSignal,
  deadline?: number,
): Promise<JobHostRecord> {
  const host = fleet.host(record.host);
  if (!host) {
    const gone: JobHostRecord = {
      ...record,
      status: 'unreachable',
      reason: 'the host is no longer in the fleet configuration',
    };
    await deps.jobs.putHost(job.id, gone, job.expiresAt);
    return gone;
  }
  if (cancel.aborted) {
    const skipped: JobHostRecord = {
      ...record,
      status: 'cancelled',
      reason: 'the job was cancelled before this host started',
    };
    await deps.jobs.putHost(job.id, skipped, job.expiresAt);
    return skipped;
  }
  const limits = fleet.limits;
  const scrub = createScrubber(fleet.secretValues());
  const writers = {
    stdout: new OutputWriter(deps.jobs, job.id, host.name, 'stdout', limits.jobOutputBytes, scrub),
    stderr: new OutputWriter(deps.jobs, job.id, host.name, 'stderr', limits.jobOutputBytes, scrub),
  };
  // Once a second: store what is buffered, and let readers see the host running and how far each
  // stream has got. A command done within the first second never pays for this.
  // Host-state writes go through one chain, so a late 'running' can never land after the final state.
  let shown: { stdout: number; stderr: number } | undefined;
  let ended = false;
  let hostWrites: Promise<unknown> = Promise.resolve();
  const tick = setInterval(() => {
    hostWrites = hostWrites
      .then(() => Promise.all([writers.stdout.flush(true), writers.stderr.flush(true)]))
      .then(async () => {
        const bytes = { stdout: writers.stdout.bytes, stderr: writers.stderr.bytes };
        if (ended || (shown && bytes.stdout === shown.stdout && bytes.stderr === shown.stderr))
          return;
        shown = bytes;
        await deps.jobs.putHost(job.id, { ...record, status: 'running', bytes }, job.expiresAt);
      })
      .catch((error: unknown) =>
        deps.logger.warn('job output flush failed', {
          jobId: job.id,
          host: host.name,
          error: String(error),
        }),
      );
  }, FLUSH_MS);
  // A runner with a deadline (a Lambda worker) kills the command in time to record it, rather than vanish mid-command.
  const budgetMs = deadline === undefined ? Infinity : deadline - Date.now() - DEADLINE_MARGIN_MS;
  const cutByDeadline = budgetMs < job.timeoutSeconds * 1000;
  let outcome: ExecOutcome;
  try {
    outcome = await deps.ssh.exec({ host, credential: fleet.credentialFor(host) }, job.command, {
      timeoutMs: Math.max(1_000, Math.min(job.timeoutSeconds * 1000, budgetMs)),
      ...(job.idleTimeoutSeconds ? { idleTimeoutMs: job.idleTimeoutSeconds * 1000 } : {}),
      connectTimeoutMs: limits.connectTimeoutSeconds * 1000,
      maxOutputBytes: limits.maxOutputBytes,
      checkAddress: (address) => fleet.network.refusal(address),
      signal: cancel,
      onData: (stream, chunk) => writers[stream].push(chunk),
    });
  } finally {
    clearInterval(tick);
    ended = true;
  }
  await hostWrites;
  await Promise.all([writers.stdout.flush(true), writers.stderr.flush(true)]);
  const head = { stdout: scrub(outcome.stdout), stderr: scrub(outcome.stderr) };
  const done: JobHostRecord = {
    ...record,
    status: outcome.status,
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs,
    bytes: { stdout: writers.stdout.bytes, stderr: writers.stderr.bytes },
    truncated: writers.stdout.truncated || writers.stderr.truncated,
    head,
    ...(outcome.error !== undefined ? { reason: outcome.error } : {}),
    ...(cutByDeadline && outcome.status === 'timeout'
      ? {
          reason: `stopped at the job runner's time limit (${Math.round(budgetMs / 1000)} s here); on AWS a worker runs at most 15 minutes — split longer work`,
        }
      : {}),
  };
  const now = deps.clock.now();
  const [, historyStored] = await Promise.all([
    deps.jobs.putHost(job.id, done, job.expiresAt),
    deps.history
      .put({
        id: `${job.requestId}:${host.name}`,
        host: host.name,
        user: job.owner,
        command: scrub(job.command),
        status: outcome.status,
        exitCode: outcome.exitCode,
        stdout: head.stdout.slice(0, HISTORY_OUTPUT_BYTES),
        stderr: head.stderr.slice(0, HISTORY_OUTPUT_BYTES),
        truncated:
          outcome.truncated ||
          head.stdout.length > HISTORY_OUTPUT_BYTES ||
          head.stderr.length > HISTORY_OUTPUT_BYTES,
        durationMs: outcome.durationMs,
        time: now.toISOString(),
        requestId: job.requestId,
        expiresAt: Math.floor(now.getTime() / 1000) + limits.historyRetentionDays * 86_400,
      })
      .then(
        () => true,
        (error: unknown) => {
          deps.logger.error('history write failed', {
            jobId: job.id,
            host: host.name,
            error: String(error),
          });
          deps.logger.count('HistoryWriteFailures');
          return false;
        },
      ),
  ]);
  if (historyStored) return done;
  // The command ran; what is missing is its history item. Its outcome says so, where the caller
  // and get_job read it (a second write, paid only on this failure).
  const noted: JobHostRecord = {
    ...done,
    reason: [done.reason, HISTORY_NOT_STORED].filter(Boolean).join('; '),
  };
  await deps.jobs.putHost(job.id, noted, job.expiresAt);
  return noted;
}

export const HISTORY_NOT_STORED =
  'its history item could not be stored (the gateway log says why; tell an admin)';
