import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoJobStore } from '../../../src/adapters/dynamo/dynamo-job-store.js';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { expiresAfterDays } from '../../../src/core/expiry.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

const expiresAt = Math.floor(Date.now() / 1000) + 3600;
const job = (id: string, owner: string, createdAt: string): JobRecord => ({
  id,
  owner,
  command: 'sleep 1',
  tool: 'start_job',
  requestId: 'r',
  timeoutSeconds: 60,
  createdAt,
  expiresAt,
  status: 'queued',
});

describe('DynamoJobStore on dynalite', () => {
  let store: TestStore;
  let jobs: DynamoJobStore;
  beforeAll(async () => {
    store = await startTestStore('jobs');
    jobs = new DynamoJobStore(store.db, store.tables.jobs);
  });
  afterAll(async () => store?.close());

  it('creates a job with its hosts and reads them back', async () => {
    await jobs.create(job('j1', 'alice', '2026-01-01T00:00:01Z'), [
      {
        host: 'a',
        status: 'pending',
        exitCode: null,
        bytes: { stdout: 0, stderr: 0 },
        truncated: false,
      },
      {
        host: 'b',
        status: 'denied',
        reason: 'no',
        exitCode: null,
        bytes: { stdout: 0, stderr: 0 },
        truncated: false,
      },
    ]);
    const got = await jobs.get('j1');
    expect(got?.job).toMatchObject({ id: 'j1', owner: 'alice', status: 'queued' });
    expect(got?.hosts.map((h) => [h.host, h.status])).toEqual([
      ['a', 'pending'],
      ['b', 'denied'],
    ]);
  });

  it('updates only when the stored status (and heartbeat) match', async () => {
    expect(
      await jobs.update('j1', { status: 'running', heartbeatAt: 'h1' }, { status: ['queued'] }),
    ).toBe(true);
    expect(await jobs.update('j1', { status: 'running' }, { status: ['queued'] })).toBe(false);
    expect(
      await jobs.update('j1', { status: 'lost' }, { status: ['running'], heartbeatAt: 'stale' }),
    ).toBe(false);
    expect(
      await jobs.update('j1', { status: 'lost' }, { status: ['running'], heartbeatAt: 'h1' }),
    ).toBe(true);
    expect(await jobs.update('nope', { status: 'lost' })).toBe(false);
    expect((await jobs.getRecord('j1'))?.status).toBe('lost');
  });

  it('returns every byte exactly once across pages of any size', async () => {
    const data = randomBytes(150_000);
    // Chunks of irregular sizes, as a runner flushing on time and size produces.
    let offset = 0;
    for (const size of [1, 4096, 32_768, 7, 32_768, 20_000, 32_768, 27_592]) {
      await jobs.appendOutput(
        'j1',
        {
          host: 'a',
          stream: 'stdout',
          offset,
          data: data.subarray(offset, offset + size),
        },
        expiresAt,
      );
      offset += size;
    }
    expect(offset).toBe(data.length);
    for (const page of [1000, 4096, 32_768, 65_536, 200_000]) {
      const parts: Uint8Array[] = [];
      for (let at = 0; at < data.length; at += page)
        parts.push(await jobs.readOutput('j1', 'a', 'stdout', at, page));
      expect(Buffer.concat(parts).equals(data), `page ${page}`).toBe(true);
    }
    expect((await jobs.readOutput('j1', 'a', 'stdout', data.length, 100)).length).toBe(0);
    expect((await jobs.readOutput('j1', 'a', 'stderr', 0, 100)).length).toBe(0);
  });

  it('lists jobs by owner and overall, newest first', async () => {
    await jobs.create(job('j2', 'alice', '2026-01-01T00:00:02Z'), []);
    await jobs.create(job('j3', 'bob', '2026-01-01T00:00:03Z'), []);
    expect((await jobs.list({ owner: 'alice', limit: 10 })).map((j) => j.id)).toEqual(['j2', 'j1']);
    expect((await jobs.list({ limit: 10 })).map((j) => j.id)).toEqual(['j3', 'j2', 'j1']);
  });

  it('keeps a job’s output as long as the job, and no longer', async () => {
    const days = (n: number) => ({ now: () => new Date(Date.now() + n * 86_400_000) });
    // Kept 90 days (limits.jobRetentionDays at most).
    const kept = {
      ...job('j-90', 'carol', '2025-01-01T00:00:09Z'),
      expiresAt: expiresAfterDays(new Date(), 90),
    };
    await jobs.create(kept, []);
    await jobs.appendOutput(
      'j-90',
      { host: 'a', stream: 'stdout', offset: 0, data: Buffer.from('still here\n') },
      kept.expiresAt,
    );
    const later = new DynamoJobStore(store.db, store.tables.jobs, days(30));
    expect((await later.get('j-90'))?.job.id).toBe('j-90');
    expect(Buffer.from(await later.readOutput('j-90', 'a', 'stdout', 0, 100)).toString()).toBe(
      'still here\n',
    );
    const gone = new DynamoJobStore(store.db, store.tables.jobs, days(91));
    expect(await gone.get('j-90')).toBeUndefined();
    expect((await gone.readOutput('j-90', 'a', 'stdout', 0, 100)).length).toBe(0);
  });

  it('refuses to read back a job item it did not write, saying which and what is wrong', async () => {
    await store.db.send(
      new PutCommand({
        TableName: store.tables.jobs,
        Item: {
          pk: 'JOB#j-bad',
          sk: 'META',
          kind: 'job',
          ...job('j-bad', 'mallory', '2025-02-02T00:00:00Z'),
          status: 'exploded',
        },
      }),
    );
    const read = jobs.get('j-bad');
    await expect(read).rejects.toMatchObject({ code: 'STORE' });
    await expect(read).rejects.toThrow(/job j-bad in the store is malformed \(status: /);
  });
});
