import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { OutputWriter, type OutputWriterOptions } from '../../../src/core/jobs/output-writer.js';
import { DynamoJobStore } from '../../../src/adapters/dynamo/dynamo-job-store.js';
import { createScrubber } from '../../../src/core/exec/scrub.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

const SECRET = 'hunter2-very-secret';
const expiresAt = Math.floor(Date.now() / 1000) + 3600;

describe('OutputWriter: each byte kept and scrubbed once', () => {
  let store: TestStore;
  let jobs: DynamoJobStore;
  beforeAll(async () => {
    store = await startTestStore('ow');
    jobs = new DynamoJobStore(store.db, store.tables.jobs);
  });
  afterAll(() => store?.close());

  /** A scrubber that counts the bytes it was given. */
  const counting = () => {
    const scrub = createScrubber([SECRET]);
    const seen = { bytes: 0 };
    return {
      seen,
      scrub: (text: string) => {
        seen.bytes += Buffer.byteLength(text);
        return scrub(text);
      },
    };
  };
  const lines = (n: number) =>
    Array.from({ length: n }, (_, i) => `line ${i} ${i % 7 === 0 ? SECRET : 'plain'}\n`).join('');
  /** A writer of host h's stdout for job `id`, expiring with it. */
  const writerFor = (
    id: string,
    options: Omit<OutputWriterOptions, 'store' | 'job' | 'host' | 'stream'>,
  ) =>
    new OutputWriter({
      store: jobs,
      job: { id, expiresAt },
      host: 'h',
      stream: 'stdout',
      ...options,
    });
  const stored = async (jobId: string) =>
    Buffer.from(await jobs.readOutput(jobId, 'h', 'stdout', 0, 1 << 20)).toString();

  it('holds output, scrubs it once for the head, and stores nothing while it ends unstored', async () => {
    const { seen, scrub } = counting();
    const id = randomUUID();
    const text = lines(20);
    const w = writerFor(id, { cap: 1 << 20, scrub, holding: true, headBytes: 4096 });
    w.push(Buffer.from(text));
    w.drain();
    expect(w.head).toBe(text.replaceAll(SECRET, '[REDACTED]'));
    expect(w.cut).toBe(false);
    expect(seen.bytes).toBe(Buffer.byteLength(text));
    expect(await stored(id)).toBe('');
  });

  it('stores what it drained without scrubbing it again when the job is stored after the end', async () => {
    const { seen, scrub } = counting();
    const id = randomUUID();
    const text = lines(50);
    const w = writerFor(id, { cap: 1 << 20, scrub, holding: true, headBytes: 100 });
    w.push(Buffer.from(text));
    w.drain();
    await w.release();
    await w.flush(true);
    const scrubbed = text.replaceAll(SECRET, '[REDACTED]');
    expect(await stored(id)).toBe(scrubbed);
    expect(w.bytes).toBe(Buffer.byteLength(scrubbed));
    expect(seen.bytes).toBe(Buffer.byteLength(text));
    // The head is the answer's part; the rest is in the job.
    expect(w.head).toBe(scrubbed.slice(0, 100));
    expect(w.cut).toBe(true);
  });

  it('keeps the head of output it stores as it comes, and marks only the cap as truncated', async () => {
    const { seen, scrub } = counting();
    const id = randomUUID();
    const text = lines(2000);
    const w = writerFor(id, { cap: 30_000, scrub, headBytes: 1000 });
    for (let at = 0; at < text.length; at += 777) w.push(Buffer.from(text.slice(at, at + 777)));
    await w.flush(true);
    const scrubbed = text.replaceAll(SECRET, '[REDACTED]');
    expect(w.head).toBe(scrubbed.slice(0, 1000));
    // The cap counts what came in; what is stored is the scrubbed start of it.
    const kept = await stored(id);
    expect(scrubbed.startsWith(kept)).toBe(true);
    expect(Buffer.byteLength(kept)).toBeGreaterThan(25_000);
    expect(Buffer.byteLength(kept)).toBeLessThanOrEqual(30_000);
    expect(w).toMatchObject({ cut: true, truncated: true });
    // Past the cap nothing more is scrubbed: each byte kept was scrubbed once.
    expect(seen.bytes).toBeLessThanOrEqual(30_000 + 32 * 1024);
  });

  it('says on its chunks how far into the raw stream they reach, so a writer taking over stores each byte once', async () => {
    const { scrub } = counting();
    const id = randomUUID();
    const raw = Buffer.from(lines(30));
    const first = writerFor(id, { cap: 1 << 20, scrub });
    // The first runner stored whole lines of what it got, then died mid-line.
    const cutAt = raw.indexOf('line 17') + 4;
    first.push(raw.subarray(0, cutAt));
    await first.flush(false);
    const end = await jobs.outputEnd(id, 'h', 'stdout');
    expect(end?.raw).toBe(raw.indexOf('line 17'));
    // Scrubbing changed lengths: stored bytes and raw bytes differ.
    expect(end?.bytes).not.toBe(end?.raw);
    // The next reads on from the raw offset, as the host's spool gives it.
    const next = writerFor(id, { cap: 1 << 20, scrub, from: end });
    expect(next.rawBytes).toBe(end!.raw);
    next.push(raw.subarray(end!.raw));
    await next.flush(true);
    expect(await stored(id)).toBe(raw.toString().replaceAll(SECRET, '[REDACTED]'));
  });
});
