import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { OutputWriter } from '../../../src/core/jobs/output-writer.js';
import { takeSpoolRead } from '../../../src/core/run/follow-spool.js';
import { DynamoJobStore } from '../../../src/adapters/dynamo/dynamo-job-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

describe('takeSpoolRead: a read of a host spool into the stream writers', () => {
  let store: TestStore;
  let jobs: DynamoJobStore;
  beforeAll(async () => {
    store = await startTestStore('fs');
    jobs = new DynamoJobStore(store.db, store.tables.jobs);
  });
  afterAll(() => store?.close());

  const writers = () => {
    const id = randomUUID();
    const w = (s: 'stdout' | 'stderr') =>
      new OutputWriter({
        store: jobs,
        job: { id, expiresAt: Math.floor(Date.now() / 1000) + 3600 },
        host: 'h',
        stream: s,
        cap: 1 << 20,
        scrub: (t) => t,
      });
    return { stdout: w('stdout'), stderr: w('stderr') };
  };
  const bytes = (n: number) => new Uint8Array(n).fill(0x61);

  it('marks a stream truncated once its page comes back short from a spool that stopped keeping it', () => {
    const w = writers();
    const more = takeSpoolRead(
      w,
      { state: 'ended', exitCode: 0, stdout: bytes(10), stderr: bytes(3), cut: { stdout: true } },
      16,
    );
    expect(more).toBe(false);
    expect(w.stdout.truncated).toBe(true);
    expect(w.stderr.truncated).toBe(false);
    expect([w.stdout.held, w.stderr.held]).toEqual([10, 3]);
  });

  it('reads on at once while a page comes back full, cut or not: what the spool kept comes first', () => {
    const w = writers();
    const more = takeSpoolRead(
      w,
      { state: 'running', stdout: bytes(16), stderr: bytes(0), cut: { stdout: true } },
      16,
    );
    expect(more).toBe(true);
    expect(w.stdout.truncated).toBe(false);
    expect(w.stdout.readFrom).toBe(16);
  });
});
