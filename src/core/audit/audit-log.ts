import type { AuditStore, Clock } from '../ports.js';
import { systemClock } from '../ports.js';
import { AppError } from '../errors.js';
import type { AuditEvent, AuditRecord } from './audit-record.js';
import { chainRecord, checkLink, type ChainBreak } from './hash-chain.js';
import { fitEvent } from './fit-event.js';

const MAX_ATTEMPTS = 50;

export interface VerifyResult {
  readonly ok: boolean;
  readonly records: number;
  readonly break?: ChainBreak;
}

/**
 * Appends events to a hash chain. Appends from this process are serialised; appends from other
 * processes (other Lambda containers, the CLI) are caught by the store's conditional write, after
 * which we re-read the head and try again — the chain never forks.
 */
export class AuditLog {
  private head: AuditRecord | undefined;
  private headLoaded = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Appends the event, cut to a storable size if it is too large (see fitEvent). */
  append(event: AuditEvent): Promise<AuditRecord> {
    const fitted = fitEvent(event);
    const next = this.queue.then(() => this.appendNow(fitted));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async appendNow(event: AuditEvent): Promise<AuditRecord> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (!this.headLoaded || attempt > 0) {
        this.head = await this.store.head();
        this.headLoaded = true;
      }
      const record = chainRecord(this.head, this.clock.now().toISOString(), event);
      if (await this.store.append(record)) {
        this.head = record;
        return record;
      }
      await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
    }
    throw new AppError(
      'STORE',
      'could not append to the audit log: too much contention; try again',
    );
  }

  /** Walks the whole chain from the first record. */
  async verify(pageSize = 500): Promise<VerifyResult> {
    let previous: AuditRecord | undefined;
    let records = 0;
    for (;;) {
      const page = await this.store.range({ afterSeq: previous?.seq ?? 0, limit: pageSize });
      for (const record of page) {
        const broken = checkLink(previous, record);
        if (broken) return { ok: false, records, break: broken };
        previous = record;
        records++;
      }
      if (page.length < pageSize) return { ok: true, records };
    }
  }
}
