import type { JobStore } from '../ports.js';
import { MAX_CHUNK_BYTES, type JobRecord, type OutputStream } from './job.js';

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
 * One stream of one host: the only place its output is kept and scrubbed (each byte once). It
 * stores the output as chunks keyed by byte offset, cut at line ends (or, for long lines, at a
 * character boundary), so scrubbing sees whole lines and no chunk splits a character; stored
 * output stops at `cap` bytes and is then marked truncated. Its first `headBytes` bytes, scrubbed,
 * are kept as `head`: what an answer carries.
 *
 * A holding writer stores nothing until `release`: a command that ends within the answer's budget
 * with output the answer can carry never touches the store (`drain` scrubs what it holds, for the
 * head). Its caller releases it (the job is stored) once `held` bytes outgrow what the answer
 * carries, so holding stays small.
 */
export interface OutputWriterOptions {
  readonly store: JobStore;
  /** Its output expires with the job. */
  readonly job: Pick<JobRecord, 'id' | 'expiresAt'>;
  readonly host: string;
  readonly stream: OutputStream;
  /** Stored output stops here, and is then marked truncated. */
  readonly cap: number;
  readonly scrub: (text: string) => string;
  /** Store nothing until `release` (a run_command that may end within its answer). */
  readonly holding?: boolean;
  /** How much of the output, scrubbed, is kept as `head` (what an answer carries). */
  readonly headBytes?: number;
  /** Where a writer that takes over a stream starts: what is stored, and the raw bytes behind it. */
  readonly from?: { readonly bytes: number; readonly raw: number };
}

export class OutputWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private stored = 0;
  /** Raw bytes (before scrubbing) whose output is stored or drained. */
  private raw = 0;
  /** Raw bytes behind `drained`. */
  private drainedRaw = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Scrubbed by `drain` and not stored yet: written as it is when the writer is released. */
  private drained: Buffer | undefined;
  private headParts: string[] = [];
  private headLength = 0;
  /** The cap is reached: what is still buffered is dropped. */
  private full = false;
  truncated = false;
  /** Output went on past the head (the answer's part of it). */
  cut = false;

  private readonly store: JobStore;
  private readonly job: OutputWriterOptions['job'];
  private readonly host: string;
  private readonly stream: OutputStream;
  private readonly cap: number;
  private readonly scrub: (text: string) => string;
  private holding: boolean;
  private readonly headBytes: number;

  constructor(options: OutputWriterOptions) {
    ({
      store: this.store,
      job: this.job,
      host: this.host,
      stream: this.stream,
      cap: this.cap,
      scrub: this.scrub,
    } = options);
    this.holding = options.holding ?? false;
    this.headBytes = options.headBytes ?? 0;
    const from = options.from;
    if (from) {
      this.stored = from.bytes;
      this.raw = from.raw;
      // What an answer carries was cut already, if anything was.
      this.headLength = this.headBytes;
      if (from.bytes >= this.cap) this.full = this.truncated = this.cut = true;
    }
  }

  /** The first `headBytes` bytes of the output, scrubbed, as far as it has been scrubbed. */
  get head(): string {
    return this.headParts.join('');
  }

  get bytes(): number {
    return this.stored;
  }

  /** Raw bytes of the stream taken in so far (stored or held). */
  get rawBytes(): number {
    return this.raw + this.pendingBytes;
  }

  /**
   * Where to read the host's copy of the stream from: on from what is taken in, or — once the
   * stream is cut at its cap — nowhere (nothing more of it is kept).
   */
  get readFrom(): number {
    return this.truncated ? Number.MAX_SAFE_INTEGER - 1 : this.rawBytes;
  }

  /** Bytes buffered and not yet stored. */
  get held(): number {
    return this.pendingBytes;
  }

  /** The host kept no more of the stream (its spool's limit, a full disk): the rest is not there. */
  endShort(): void {
    this.truncated = true;
    this.cut = true;
  }

  push(chunk: Uint8Array): void {
    if (this.stored + this.pendingBytes >= this.cap) {
      this.truncated = true;
      this.cut = true;
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
    const drained = this.drained;
    const rawEnd = this.raw;
    this.drained = undefined;
    if (drained) this.chain = this.chain.then(() => this.storeScrubbed(drained, rawEnd));
    return this.flush(false);
  }

  /**
   * The command has ended and nothing is stored yet: scrubs what is held, once, for the head. If
   * the writer is released later, that is what it stores.
   */
  drain(): void {
    if (this.pendingBytes === 0) return;
    const out = this.scrubbed(Buffer.concat(this.pending));
    this.raw += this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.drained = this.drained ? Buffer.concat([this.drained, out]) : out;
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
    const out = this.scrubbed(buf.subarray(0, cut));
    this.raw += cut;
    if (this.full) {
      this.raw += this.pendingBytes;
      this.pending = [];
      this.pendingBytes = 0;
    }
    await this.storeScrubbed(out, this.raw);
  }

  /** Scrubbed once, cut at the cap, and its start kept as the head. */
  private scrubbed(raw: Buffer): Buffer {
    let out = Buffer.from(this.scrub(raw.toString('utf8')), 'utf8');
    const room = this.cap - this.stored - (this.drained?.length ?? 0);
    if (out.length > room) {
      out = out.subarray(0, utf8Boundary(out.subarray(0, Math.max(0, room))));
      this.full = true;
      this.truncated = true;
      this.cut = true;
    }
    const headRoom = this.headBytes - this.headLength;
    if (headRoom > 0) {
      const part =
        out.length > headRoom ? out.subarray(0, utf8Boundary(out.subarray(0, headRoom))) : out;
      this.headParts.push(part.toString('utf8'));
      this.headLength += part.length;
      if (part.length < out.length) this.cut = true;
    } else if (out.length > 0) this.cut = true;
    return out;
  }

  /** Stores scrubbed output; its last chunk says how far into the raw stream it reaches. */
  private async storeScrubbed(out: Buffer, rawEnd: number): Promise<void> {
    for (let at = 0; at < out.length;) {
      const piece = out.subarray(at, at + utf8Boundary(out.subarray(at, at + MAX_CHUNK_BYTES)));
      const last = at + piece.length >= out.length;
      await this.store.appendOutput(
        this.job.id,
        {
          host: this.host,
          stream: this.stream,
          offset: this.stored,
          data: piece,
          ...(last ? { rawEnd } : {}),
        },
        this.job.expiresAt,
      );
      this.stored += piece.length;
      at += piece.length;
    }
  }
}
