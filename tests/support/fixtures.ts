import { randomUUID } from 'node:crypto';
import type { Clock } from '../../src/core/ports.js';
import type { User } from '../../src/core/users/user.js';
import type { JobRecord } from '../../src/core/jobs/job.js';

/**
 * The test fixtures more than one test file uses: a user, a clock one can move, a job. Each
 * takes overrides, so a test says only what matters to it.
 */

/** An operator with access to the `test` tag, unless told otherwise. */
export function userFixture(overrides: Partial<User> = {}): User {
  return {
    name: 'olive',
    role: 'operator',
    access: { hosts: [], groups: [], tags: ['test'] },
    disabled: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** An admin, who sees every host. */
export const adminFixture = (overrides: Partial<User> = {}): User =>
  userFixture({ name: 'root', role: 'admin', policy: 'unrestricted', ...overrides });

/** A clock that stands at `at` until moved. */
export interface MovableClock extends Clock {
  /** Moves the clock on by `ms`. */
  advance(ms: number): void;
  /** Epoch seconds now. */
  seconds(): number;
}

export function movableClock(at: Date | string | number = Date.now()): MovableClock {
  let now = new Date(at).getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => void (now += ms),
    seconds: () => Math.floor(now / 1000),
  };
}

/** A queued start_job kept an hour from `clock`, with a fresh id. */
export function jobFixture(clock: Clock, overrides: Partial<JobRecord> = {}): JobRecord {
  const now = clock.now();
  return {
    id: randomUUID(),
    owner: 'olive',
    command: 'sleep 1',
    tool: 'start_job',
    requestId: 'req-1',
    timeoutSeconds: 60,
    createdAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + 3600,
    status: 'queued',
    ...overrides,
  };
}
