import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttemptLimit } from '../../../src/core/oauth/attempt-limit.js';
import { DynamoOAuthStore } from '../../../src/adapters/dynamo/dynamo-oauth-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

describe('AttemptLimit, by the clock', () => {
  let store: TestStore;
  let now = Date.UTC(2026, 10, 30, 12, 9, 50); // ten seconds before a 10-minute window ends
  const clock = { now: () => new Date(now) };
  let limit: AttemptLimit;

  beforeAll(async () => {
    store = await startTestStore('attempts');
    limit = new AttemptLimit(
      new DynamoOAuthStore(store.db, store.tables.oauth, clock),
      clock,
      't',
      {
        max: 5,
        windowSeconds: 600,
      },
    );
  });
  afterAll(() => store.close());

  it('counts across a window boundary instead of starting again, and lets go a window later', async () => {
    for (let i = 0; i < 3; i++) await limit.count('address:a');
    now += 20_000; // the next window
    expect((await limit.count('address:a')).remaining).toBe(1);
    expect((await limit.count('address:a')).remaining).toBe(0);
    expect(await limit.blockedFor('address:a')).toBeGreaterThan(600);
    // Another key is its own.
    expect(await limit.blockedFor('address:b')).toBe(0);
    now += 1_200_000; // two windows on: nothing counted in this one or the one before
    expect(await limit.blockedFor('address:a')).toBe(0);
  });
});
