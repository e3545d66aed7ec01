import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Clock, JobStore } from '../../../src/core/ports.js';
import type { JobHostRecord } from '../../../src/core/jobs/job.js';
import { jobFixture, movableClock } from '../fixtures.js';

const owner = () => `owner-${randomBytes(4).toString('hex')}`;
const hostRecord = (host: string, overrides: Partial<JobHostRecord> = {}): JobHostRecord => ({
  host,
  status: 'pending',
  exitCode: null,
  bytes: { stdout: 0, stderr: 0 },
  truncated: false,
  ...overrides,
});

/**
 * What every JobStore must do: a job and its hosts read back whole; expired means absent, for the
 * job, its hosts and its output alike; updates only when the stored job matches (status,
 * heartbeat, or no heartbeat); every byte of output exactly once at any page size; the owner's
 * active jobs and their sessions counted; lists newest first.
 */
export function jobStoreContract(name: string, open: (clock: Clock) => Promise<JobStore>): void {
  describe(`JobStore contract: ${name}`, () => {
    it('stores a job with its hosts and reads them back whole; an unknown id is absent', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const job = jobFixture(clock, { owner: owner(), sessions: 2, maxConcurrency: 2 });
      const hosts = [
        hostRecord('a'),
        hostRecord('b', { status: 'denied', reason: 'no', rule: 'deny rm **', risk: 'high' }),
      ];
      await jobs.create(job, hosts);
      const read = await jobs.get(job.id);
      expect(read?.job).toEqual(job);
      expect([...(read?.hosts ?? [])].sort((x, y) => x.host.localeCompare(y.host))).toEqual(hosts);
      expect(await jobs.getRecord(job.id)).toEqual(job);
      expect(await jobs.get('no-such-job')).toBeUndefined();
      expect(await jobs.getRecord('no-such-job')).toBeUndefined();
    });

    it('updates a job only while it matches: its status, its heartbeat, or its having none', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const job = jobFixture(clock, { owner: owner() });
      await jobs.create(job, []);
      expect(await jobs.update(job.id, { status: 'running' }, { status: ['completed'] })).toBe(
        false,
      );
      expect(
        await jobs.update(job.id, { status: 'running', heartbeatAt: 't1' }, { heartbeatAt: null }),
      ).toBe(true);
      // Two claims of the same heartbeat: one wins.
      const claims = await Promise.all([
        jobs.update(job.id, { heartbeatAt: 't2' }, { status: ['running'], heartbeatAt: 't1' }),
        jobs.update(job.id, { heartbeatAt: 't3' }, { status: ['running'], heartbeatAt: 't1' }),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await jobs.update(job.id, { heartbeatAt: 't4' }, { heartbeatAt: null })).toBe(false);
      expect(await jobs.update('no-such-job', { status: 'lost' })).toBe(false);
      expect((await jobs.getRecord(job.id))?.status).toBe('running');
    });

    it('replaces a host’s state', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const job = jobFixture(clock, { owner: owner() });
      await jobs.create(job, [hostRecord('a')]);
      const done = hostRecord('a', {
        status: 'ok',
        exitCode: 0,
        durationMs: 12,
        bytes: { stdout: 3, stderr: 0 },
        head: { stdout: 'hi\n', stderr: '' },
      });
      await jobs.putHost(job.id, done, job.expiresAt);
      expect((await jobs.get(job.id))?.hosts).toEqual([done]);
    });

    it('returns every byte of a stream exactly once at any page size, and where its raw bytes end', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const job = jobFixture(clock, { owner: owner() });
      await jobs.create(job, [hostRecord('a')]);
      const data = randomBytes(100_000);
      let offset = 0;
      for (const size of [1, 4096, 32_768, 7, 20_000, 32_768, 10_360]) {
        await jobs.appendOutput(
          job.id,
          {
            host: 'a',
            stream: 'stdout',
            offset,
            data: data.subarray(offset, offset + size),
            rawEnd: offset + size + 5,
          },
          job.expiresAt,
        );
        offset += size;
      }
      expect(offset).toBe(data.length);
      for (const page of [1000, 32_768, 65_536, 200_000]) {
        const parts: Uint8Array[] = [];
        for (let at = 0; at < data.length; at += page)
          parts.push(await jobs.readOutput(job.id, 'a', 'stdout', at, page));
        expect(Buffer.concat(parts).equals(data), `page ${page}`).toBe(true);
      }
      expect((await jobs.readOutput(job.id, 'a', 'stdout', data.length, 100)).length).toBe(0);
      expect((await jobs.readOutput(job.id, 'a', 'stderr', 0, 100)).length).toBe(0);
      expect(await jobs.outputEnd(job.id, 'a', 'stdout')).toEqual({
        bytes: data.length,
        raw: data.length + 5,
      });
      expect(await jobs.outputEnd(job.id, 'a', 'stderr')).toBeUndefined();
    });

    it('keeps a job’s output as long as the job, however long that is', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const job = jobFixture(clock, { owner: owner(), expiresAt: clock.seconds() + 90 * 86_400 });
      await jobs.create(job, [hostRecord('a')]);
      await jobs.appendOutput(
        job.id,
        { host: 'a', stream: 'stdout', offset: 0, data: Buffer.from('still here\n') },
        job.expiresAt,
      );
      clock.advance(30 * 86_400_000);
      expect(Buffer.from(await jobs.readOutput(job.id, 'a', 'stdout', 0, 100)).toString()).toBe(
        'still here\n',
      );
      clock.advance(61 * 86_400_000);
      expect(await jobs.get(job.id)).toBeUndefined();
      expect((await jobs.readOutput(job.id, 'a', 'stdout', 0, 100)).length).toBe(0);
    });

    it('treats an expired job as absent, with its hosts and its output', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const who = owner();
      const job = jobFixture(clock, { owner: who, status: 'running' });
      await jobs.create(job, [hostRecord('a')]);
      await jobs.appendOutput(
        job.id,
        { host: 'a', stream: 'stdout', offset: 0, data: Buffer.from('kept\n') },
        job.expiresAt,
      );
      clock.advance(3_601_000);
      expect(await jobs.get(job.id)).toBeUndefined();
      expect(await jobs.getRecord(job.id)).toBeUndefined();
      expect((await jobs.readOutput(job.id, 'a', 'stdout', 0, 100)).length).toBe(0);
      expect(await jobs.list({ owner: who, limit: 10 })).toEqual([]);
      expect(await jobs.countActive(who, 10)).toEqual({ jobs: 0, sessions: 0 });
    });

    it('counts the owner’s queued and running jobs, no further than asked, and the sessions they hold', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const who = owner();
      await jobs.create(jobFixture(clock, { owner: who, status: 'queued', sessions: 3 }), []);
      await jobs.create(jobFixture(clock, { owner: who, status: 'running', sessions: 4 }), []);
      await jobs.create(jobFixture(clock, { owner: who, status: 'completed', sessions: 9 }), []);
      // A job stored before jobs said how many sessions they hold counts one.
      await jobs.create(jobFixture(clock, { owner: who, status: 'running' }), []);
      await jobs.create(jobFixture(clock, { owner: owner(), status: 'running', sessions: 5 }), []);
      expect(await jobs.countActive(who, 10)).toEqual({ jobs: 3, sessions: 8 });
      expect((await jobs.countActive(who, 2)).jobs).toBe(2);
    });

    it('lists jobs newest first, by owner or all of them', async () => {
      const clock = movableClock();
      const jobs = await open(clock);
      const [alice, bob] = [owner(), owner()];
      const a1 = jobFixture(clock, { owner: alice });
      clock.advance(1000);
      const b1 = jobFixture(clock, { owner: bob });
      clock.advance(1000);
      const a2 = jobFixture(clock, { owner: alice });
      for (const job of [a1, b1, a2]) await jobs.create(job, []);
      expect((await jobs.list({ owner: alice, limit: 10 })).map((j) => j.id)).toEqual([
        a2.id,
        a1.id,
      ]);
      expect(await jobs.list({ owner: alice, limit: 1 })).toEqual([a2]);
      const mine = new Set([a1.id, b1.id, a2.id]);
      const all = (await jobs.list({ limit: 100 })).filter((j) => mine.has(j.id));
      expect(all.map((j) => j.id)).toEqual([a2.id, b1.id, a1.id]);
    });
  });
}
