import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import { HISTORY_OUTPUT_BYTES, type HistoryEntry } from '../exec/history-entry.js';
import type { ExecOutcome } from '../ports.js';
import type { RunJob } from './outcome.js';
import { expiresAfterDays } from '../expiry.js';
import { logDetail } from '../errors.js';

/** Where a host's history item goes; resolves false (logged, counted, never thrown) when it could not be stored. */
export type HistorySink = (entry: HistoryEntry) => Promise<boolean>;

type HistoryDeps = Pick<CoreDeps, 'history' | 'logger'>;

/** One host's history item: who ran what there, how it ended, the head of its output. */
export function historyEntry(
  fleet: Fleet,
  scrub: (text: string) => string,
  job: RunJob,
  host: string,
  outcome: ExecOutcome,
  head: { readonly stdout: string; readonly stderr: string },
  now: Date,
): HistoryEntry {
  return {
    id: `${job.requestId}:${host}`,
    host,
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
    expiresAt: expiresAfterDays(now, fleet.limits.historyRetentionDays),
  };
}

/** Each item written as its host ends (a job: hosts end over minutes or hours). */
export function historyOneByOne(deps: HistoryDeps, jobId: string): HistorySink {
  return (entry) =>
    deps.history.put(entry).then(
      () => true,
      (error: unknown) => failed(deps, jobId, [entry.host], error),
    );
}

/**
 * Items gathered while the hosts of a call run and written together by `flush` — one request
 * for a fan-out's worth instead of one per host; after the flush, each as it comes.
 */
export class HistoryBatch {
  private waiting: { entry: HistoryEntry; stored: (ok: boolean) => void }[] = [];
  private flushed = false;

  constructor(
    private readonly deps: HistoryDeps,
    private readonly jobId: string,
  ) {}

  readonly add: HistorySink = (entry) => {
    if (this.flushed) return historyOneByOne(this.deps, this.jobId)(entry);
    return new Promise((stored) => this.waiting.push({ entry, stored }));
  };

  async flush(): Promise<void> {
    this.flushed = true;
    const batch = this.waiting.splice(0);
    if (batch.length === 0) return;
    const ok = await this.deps.history.putMany(batch.map((b) => b.entry)).then(
      () => true,
      (error: unknown) =>
        failed(
          this.deps,
          this.jobId,
          batch.map((b) => b.entry.host),
          error,
        ),
    );
    for (const b of batch) b.stored(ok);
  }
}

function failed(deps: HistoryDeps, jobId: string, hosts: string[], error: unknown): false {
  deps.logger.error('history write failed', { jobId, hosts, error: logDetail(error) });
  deps.logger.count('HistoryWriteFailures');
  return false;
}
