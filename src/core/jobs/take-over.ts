import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import { createScrubber } from '../exec/scrub.js';
import type { ExecOutcome, SpoolRead, SshTarget } from '../ports.js';
import { HISTORY_OUTPUT_BYTES } from '../exec/history-entry.js';
import { historyEntry, historyOneByOne } from '../run/history.js';
import { recordOutcome } from '../run/outcome.js';
import { spoolName } from '../run/spool-name.js';
import { idleKilledOnHost, takeSpoolRead } from '../run/follow-spool.js';
import { LOST_AFTER_MS } from '../run/supervise.js';
import type { JobHostRecord, JobRecord, OutputStream } from './job.js';
import { OutputWriter } from './output-writer.js';
import { logDetail } from '../errors.js';

/** A read of a host's spool brings at most this much of each stream per request. */
const READ_PAGE_BYTES = 256 * 1024;
/** How long one read of a host may take. */
const READ_TIMEOUT_MS = 15_000;
/**
 * How long a take-over's claim keeps other readers off the job's hosts while it reads them; given
 * up as soon as the reading is done, so this only matters when the reader dies mid-read.
 */
const CLAIM_MS = 60_000;
const RENEW_EVERY_MS = 10_000;
/** A host still running this long past its job's time is stopped (its own timeout did not end it). */
const OVERTIME_MS = 60_000;
/** A host unreachable this long past its job's time is given up: lost. */
const UNREACHABLE_GIVE_UP_MS = 10 * 60_000;
/** `timeout` exits with this when it stopped the command. */
const HOST_TIMEOUT_EXIT = 124;

type Loaded = { job: JobRecord; hosts: JobHostRecord[] };

/**
 * A running job whose runner stopped beating (a dead gateway, a Lambda that let go) is read back
 * from its hosts, where each command keeps its state: whoever reads the job first claims it (a
 * conditional write of the heartbeat, fresh for `CLAIM_MS`, so no other reader reads the hosts
 * meanwhile), reads each running host's spool on from where the stored output ends, stores what
 * it finds, and records each host that has ended — its outcome, history item and, once every host
 * has, the job's end and `exec.outcome`, once. Then the claim is given up (the heartbeat set
 * stale), so the next reader takes over again at once; a job still running stays so.
 */
export async function takeOver(
  deps: CoreDeps,
  loaded: Loaded,
  staleAfterMs = LOST_AFTER_MS,
): Promise<Loaded> {
  const { job } = loaded;
  const now = deps.clock.now().getTime();
  if (job.status !== 'running' || now - Date.parse(job.heartbeatAt ?? job.createdAt) < staleAfterMs)
    return loaded;
  const first = new Date(now - staleAfterMs + CLAIM_MS).toISOString();
  const claimed = await deps.jobs.update(
    job.id,
    { heartbeatAt: first },
    { status: ['running'], heartbeatAt: job.heartbeatAt ?? null },
  );
  if (!claimed) return (await deps.jobs.get(job.id)) ?? loaded;
  const claim = heldClaim(deps, job.id, first, staleAfterMs);
  try {
    const fleet = await deps.fleet.current();
    const hosts = await Promise.all(
      loaded.hosts.map((h) =>
        h.status === 'running' || h.status === 'pending'
          ? readHost(deps, fleet, job, h, claim.renew)
          : Promise.resolve(h),
      ),
    );
    if (hosts.every((h) => h.status !== 'running' && h.status !== 'pending')) {
      // The end and its audit record are written once, by whoever moves the job out of running.
      await recordOutcome(deps, fleet, job, hosts, {
        status: job.cancelRequested ? 'cancelled' : 'completed',
        startedMs: Date.parse(job.startedAt ?? job.createdAt),
        stored: 'running',
      });
    }
  } finally {
    // Read: the next reader may take over at once (a job that ended is left as it is).
    const stale = new Date(deps.clock.now().getTime() - staleAfterMs - 1).toISOString();
    await deps.jobs
      .update(job.id, { heartbeatAt: stale }, { status: ['running'], heartbeatAt: claim.value() })
      .catch(() => false);
  }
  return (await deps.jobs.get(job.id)) ?? loaded;
}

/**
 * A take-over's claim, kept fresh while it reads (at most every RENEW_EVERY_MS, one renewal at a
 * time, each conditional on the claim it replaces); `renew` answers false once another reader
 * holds the job, and the reading then stops.
 */
function heldClaim(
  deps: Pick<CoreDeps, 'jobs' | 'clock'>,
  jobId: string,
  first: string,
  staleAfterMs: number,
): { renew: () => Promise<boolean>; value: () => string } {
  let value = first;
  let renewedMs = deps.clock.now().getTime();
  let chain: Promise<boolean> = Promise.resolve(true);
  const renew = () =>
    (chain = chain.then(async (held) => {
      const now = deps.clock.now().getTime();
      if (!held || now - renewedMs < RENEW_EVERY_MS) return held;
      const next = new Date(now - staleAfterMs + CLAIM_MS).toISOString();
      const ok = await deps.jobs.update(
        jobId,
        { heartbeatAt: next },
        { status: ['running'], heartbeatAt: value },
      );
      if (ok) [value, renewedMs] = [next, now];
      return ok;
    }));
  return { renew, value: () => value };
}

/**
 * Finishes what nobody polls (a scheduled invocation on AWS): the newest `limit` jobs of every
 * user are looked at, and each running one whose runner stopped is taken over — read back from
 * its hosts, and its end recorded once it has ended. Returns how many were taken over.
 */
export async function takeOverStaleJobs(deps: CoreDeps, limit: number): Promise<number> {
  const now = deps.clock.now().getTime();
  const stale = (await deps.jobs.list({ limit })).filter(
    (job) =>
      job.status === 'running' &&
      now - Date.parse(job.heartbeatAt ?? job.createdAt) >= LOST_AFTER_MS,
  );
  let taken = 0;
  for (const job of stale) {
    const loaded = await deps.jobs.get(job.id);
    if (!loaded) continue;
    try {
      await takeOver(deps, loaded);
      taken++;
    } catch (error) {
      deps.logger.warn('job not taken over', { jobId: job.id, error: logDetail(error) });
    }
  }
  return taken;
}

/**
 * Sweeps now and then for as long as this process serves (a gateway on a machine): a job let go
 * by a process that stopped — or killed — is finished even if nobody asks for it. The first
 * sweep comes once the previous process's heartbeats have gone stale. Returns the stop.
 */
export function sweepEvery(
  deps: CoreDeps,
  everyMs: number,
  options: { readonly firstAfterMs?: number; readonly limit?: number } = {},
): () => void {
  const limit = options.limit ?? 200;
  const sweep = () =>
    void takeOverStaleJobs(deps, limit).catch((error: unknown) =>
      deps.logger.warn('job sweep failed', { error: logDetail(error) }),
    );
  const first = setTimeout(sweep, options.firstAfterMs ?? LOST_AFTER_MS + 1_000);
  const next = setInterval(sweep, everyMs);
  first.unref();
  next.unref();
  return () => {
    clearTimeout(first);
    clearInterval(next);
  };
}

/**
 * This process stops running a job (a Lambda invocation about to end): its hosts are let go
 * (`HostsRun.release`), its heartbeat stops, and the heartbeat is set stale so the next reader
 * takes the job over at once.
 */
export async function letGo(
  deps: Pick<CoreDeps, 'jobs' | 'clock'>,
  jobId: string,
  run: { release(): Promise<void>; readonly released: boolean },
  stopBeating: () => void,
): Promise<void> {
  await run.release();
  // Everything had ended already: this process records the end as usual.
  if (!run.released) return;
  stopBeating();
  const stale = new Date(deps.clock.now().getTime() - LOST_AFTER_MS - 1).toISOString();
  await deps.jobs.update(jobId, { heartbeatAt: stale }, { status: ['running'] });
}

/** One host of a job taken over: its spool read on, stored, and its end recorded if it ended. */
async function readHost(
  deps: CoreDeps,
  fleet: Fleet,
  job: JobRecord,
  record: JobHostRecord,
  renew: () => Promise<boolean>,
): Promise<JobHostRecord> {
  const overMs =
    deps.clock.now().getTime() -
    (Date.parse(job.startedAt ?? job.createdAt) + job.timeoutSeconds * 1000);
  const host = fleet.host(record.host);
  if (!host)
    return endHost(deps, fleet, job, record, undefined, {
      status: 'lost',
      exitCode: null,
      reason: 'the host is no longer in the fleet configuration',
    });
  const target: SshTarget = { host, credential: fleet.credentialFor(host) };
  const spool = spoolName(job.id, host.name);
  const connect = {
    connectTimeoutMs: fleet.limits.connectTimeoutSeconds * 1000,
    checkAddress: (address: string) => fleet.network.refusal(address),
  };
  if (job.cancelRequested) await deps.ssh.killSpool(target, spool, connect);
  const scrub = createScrubber(fleet.secretValues());
  const writer = async (stream: OutputStream) =>
    new OutputWriter({
      store: deps.jobs,
      job,
      host: host.name,
      stream,
      cap: fleet.limits.jobOutputBytes,
      scrub,
      from: (await deps.jobs.outputEnd(job.id, host.name, stream)) ?? { bytes: 0, raw: 0 },
    });
  const writers = { stdout: await writer('stdout'), stderr: await writer('stderr') };
  let read: SpoolRead;
  for (;;) {
    // Another reader holds the job now: it reads on from what is stored.
    if (!(await renew())) return record;
    read = await deps.ssh.readSpool(
      target,
      spool,
      { stdout: writers.stdout.readFrom, stderr: writers.stderr.readFrom },
      { ...connect, maxBytes: READ_PAGE_BYTES, timeoutMs: READ_TIMEOUT_MS },
    );
    if (read.state === 'unreachable') {
      deps.logger.warn('job host not read back', {
        jobId: job.id,
        host: host.name,
        error: read.error,
      });
      if (overMs < UNREACHABLE_GIVE_UP_MS) return record;
      return endHost(deps, fleet, job, record, undefined, {
        status: 'lost',
        exitCode: null,
        reason: `the host has not been reachable (${read.error}) since the command's time ran out ${Math.round(overMs / 60_000)} min ago; how it ended is unknown`,
      });
    }
    if (!takeSpoolRead(writers, read, READ_PAGE_BYTES)) break;
  }
  const state = read.state;
  await Promise.all([
    writers.stdout.flush(state !== 'running'),
    writers.stderr.flush(state !== 'running'),
  ]);
  const bytes = { stdout: writers.stdout.bytes, stderr: writers.stderr.bytes };
  const truncated = writers.stdout.truncated || writers.stderr.truncated;
  const ended = (end: Pick<JobHostRecord, 'status' | 'exitCode' | 'reason'>) =>
    endHost(deps, fleet, job, { ...record, bytes, truncated }, { target, spool }, end);
  if (state === 'running' && overMs >= OVERTIME_MS) {
    // The host's own timeout did not end it: something outside its process group (setsid, tmux)
    // holds its output open. Its session is stopped; the output stored so far stays.
    await deps.ssh.killSpool(target, spool, connect);
    return ended({
      status: 'timeout',
      exitCode: null,
      reason: `still running on the host ${Math.round(overMs / 1000)} s past its time (a process outside its group, e.g. setsid or tmux, kept its output open?); its session was stopped`,
    });
  }
  if (state === 'running') {
    const now: JobHostRecord = { ...record, status: 'running', bytes, truncated };
    await deps.jobs.putHost(job.id, now, job.expiresAt);
    return now;
  }
  return ended(hostEnd(job, read));
}

/** A spooled command's end, as its host's status. */
function hostEnd(
  job: JobRecord,
  read: SpoolRead,
): Pick<JobHostRecord, 'status' | 'exitCode' | 'reason'> {
  // An end the host recorded stands, cancel or not: the command had ended by itself.
  if (job.cancelRequested && read.state !== 'ended')
    return { status: 'cancelled', exitCode: null, reason: 'cancelled; the command was killed' };
  if (read.state === 'ended' && read.idleSeconds !== undefined)
    return {
      status: 'timeout',
      exitCode: null,
      reason: idleKilledOnHost(job.idleTimeoutSeconds ?? read.idleSeconds),
    };
  if (read.state === 'ended') {
    const ranMs = Date.now() - Date.parse(job.startedAt ?? job.createdAt);
    if (read.exitCode === HOST_TIMEOUT_EXIT && ranMs >= job.timeoutSeconds * 1000)
      return {
        status: 'timeout',
        exitCode: null,
        reason: `the command did not finish within ${job.timeoutSeconds} s and was killed on the host`,
      };
    return { status: read.exitCode === 0 ? 'ok' : 'failed', exitCode: read.exitCode };
  }
  return {
    status: 'lost',
    exitCode: null,
    reason:
      read.state !== 'gone'
        ? 'its processes on the host are gone and it left no exit status: the host rebooted, or they were killed'
        : 'its spool on the host is gone (removed, never started there, or the host had no room to keep it); the output stored before is kept',
  };
}

/** Stores a host's end and its history item; its spool may go once both are written. */
async function endHost(
  deps: CoreDeps,
  fleet: Fleet,
  job: JobRecord,
  record: JobHostRecord,
  spool: { target: SshTarget; spool: string } | undefined,
  end: Pick<JobHostRecord, 'status' | 'exitCode' | 'reason'>,
): Promise<JobHostRecord> {
  const startedMs = Date.parse(job.startedAt ?? job.createdAt);
  const final: JobHostRecord = {
    ...record,
    ...end,
    durationMs: Math.max(0, deps.clock.now().getTime() - startedMs),
  };
  const head = async (stream: OutputStream) =>
    Buffer.from(
      await deps.jobs.readOutput(job.id, record.host, stream, 0, HISTORY_OUTPUT_BYTES),
    ).toString('utf8');
  const [stdout, stderr] = await Promise.all([head('stdout'), head('stderr')]);
  await Promise.all([
    deps.jobs.putHost(job.id, final, job.expiresAt),
    historyOneByOne(
      deps,
      job.id,
    )(
      historyEntry(
        fleet,
        createScrubber(fleet.secretValues()),
        job,
        record.host,
        {
          status: historyStatus(final.status),
          exitCode: final.exitCode,
          stdout,
          stderr,
          truncated: final.truncated,
          durationMs: final.durationMs ?? 0,
        },
        { stdout, stderr },
        deps.clock.now(),
      ),
    ),
  ]);
  if (spool) deps.ssh.forgetSpool(spool.target, spool.spool);
  return final;
}

/** A host's end as the status a history item records (a command lost on its host is unreachable). */
function historyStatus(status: JobHostRecord['status']): ExecOutcome['status'] {
  switch (status) {
    case 'ok':
    case 'failed':
    case 'cancelled':
    case 'timeout':
      return status;
    default:
      return 'unreachable';
  }
}
