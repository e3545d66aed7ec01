import type { JobStore } from '../ports.js';
import { MAX_CHUNK_BYTES, type OutputStream } from './job.js';

/** Flush once this much is buffered; below the chunk cap so scrubbing can grow it a little. */
const FLUSH_AT = MAX_CHUNK_BYTES - 4096;

/** True for the second to fourth byte of a UTF-8 sequence (`10xxxxxx`). */
export const isUtf8Continuation = (byte: number | undefined): boolean =>
  byte !== undefined && (byte & 0xc0) === 0x80;

/** Length of `buf` without a trailing, incomplete UTF-8 sequence. */
export function utf8Boundary(buf: Uint8Array): number {
  let i = buf.length;
  let back = 0;
  while (i > 0 && back < 4 && isUtf8Continuation(buf[i - 1])) {
    i--;
    back++;
  }
  const lead = buf[i - 1];
  if (lead === undefined) return buf.length;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need === back + 1 || need === 1 ? buf.length : i - 1;
}

/**
 * Buffers one stream of one host and stores it as chunks keyed by byte offset. It cuts at line
 * ends (or, for long lines, at a character boundary), so scrubbing sees whole lines and no chunk
 * splits a character; stored output stops at `cap` bytes and is then marked truncated.
 *
 * A `held` writer stores nothing until `release`: a command that ends within the answer's budget
 * with output the answer can carry never touches the store. Its caller releases it (the job is
 * stored) once `held` bytes outgrow what the answer carries, so holding stays small.
 */
export class OutputWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stored = 0;
  private chain: Promise<void> = Promise.resolve();
  truncated = false;

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    private readonly host: string,
    private readonly stream: OutputStream,
    private readonly cap: number,
    private readonly scrub: (text: string) => string,
    private holding = false,
  ) {}

  get bytes(): number {
    return this.stored;
  }

  /** Bytes buffered and not yet stored. */
  get held(): number {
    return this.pendingBytes;
  }

  push(chunk: Uint8Array): void {
    if (this.stored + this.pendingBytes >= this.cap) {
      this.truncated = true;
      return;
    }
    this.pending.push(Buffer.from(chunk));
    this.pendingBytes += chunk.length;
    // A failed write is said by the next flush its caller awaits (and marks the stream cut).
    if (!this.holding && this.pendingBytes >= FLUSH_AT) this.flush(false).catch(() => undefined);
  }

  /** From now on output is stored: what was held first. */
  release(): Promise<void> {
    this.holding = false;
    return this.flush(false);
  }

  /** Stores what is buffered: up to the last line end, or everything when `all`. */
  flush(all: boolean): Promise<void> {
    if (this.holding) return this.chain;
    const next = this.chain.then(() => this.flushNow(all));
    // One failed write does not stop the ones after it: the stream goes on, marked cut.
    this.chain = next.catch(() => {
      this.truncated = true;
    });
    return next;
  }

  private async flushNow(all: boolean): Promise<void> {
    if (this.pendingBytes === 0) return;
    const buf = Buffer.concat(this.pending);
    let cut = buf.length;
    if (!all) {
      const newline = buf.lastIndexOf(0x0a);
      cut = newline >= 0 ? newline + 1 : buf.length >= FLUSH_AT ? utf8Boundary(buf) : 0;
    }
    if (cut === 0) return;
    const rest = buf.subarray(cut);
    this.pending = rest.length ? [rest] : [];
    this.pendingBytes = rest.length;
    let out = Buffer.from(this.scrub(buf.subarray(0, cut).toString('utf8')), 'utf8');
    if (this.stored + out.length > this.cap) {
      out = out.subarray(0, utf8Boundary(out.subarray(0, this.cap - this.stored)));
      this.truncated = true;
      this.pending = [];
      this.pendingBytes = 0;
    }
    for (let at = 0; at < out.length;) {
      const piece = out.subarray(at, at + utf8Boundary(out.subarray(at, at + MAX_CHUNK_BYTES)));
      await this.store.appendOutput(this.jobId, {
        host: this.host,
        stream: this.stream,
        offset: this.stored,
        data: piece,
      });
      this.stored += piece.length;
      at += piece.length;
    }
  }
}
