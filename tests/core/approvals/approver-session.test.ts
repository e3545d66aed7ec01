import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  signIn,
  sessionUser,
  SIGN_IN_ATTEMPTS,
} from '../../../src/core/approvals/approver-session.js';
import { DynamoApproverSessionStore } from '../../../src/adapters/dynamo/dynamo-approver-session-store.js';
import { DynamoUserStore } from '../../../src/adapters/dynamo/dynamo-user-store.js';
import { addUser, rotateKey } from '../../../src/core/users/user-admin.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';

describe('approval-page sign-in, by the clock', () => {
  let store: TestStore;
  let now = Date.UTC(2026, 10, 30, 12, 9, 50); // ten seconds before a window ends
  const clock = { now: () => new Date(now) };
  let deps: Parameters<typeof signIn>[0];
  let key: string;

  beforeAll(async () => {
    store = await startTestStore('sessions');
    const users = new DynamoUserStore(store.db, store.tables.users);
    deps = {
      approverSessions: new DynamoApproverSessionStore(store.db, store.tables.approvals),
      users,
      clock,
    };
    key = (await addUser(users, { name: 'ann', role: 'approver' }, clock)).key;
  });
  afterAll(() => store.close());

  it('keeps counting wrong keys across a window boundary, and still lets a right key in', async () => {
    const wrong = () => signIn(deps, `smg_${'W'.repeat(43)}`, '192.0.2.9');
    for (let i = 0; i < 3; i++) expect((await wrong()).kind).toBe('wrong-key');
    now += 20_000; // the next window
    expect((await wrong()).kind).toBe('wrong-key');
    expect((await wrong()).kind).toBe('rate-limited'); // the fifth, across the boundary
    expect(SIGN_IN_ATTEMPTS.max).toBe(5);
    const right = await signIn(deps, key, '192.0.2.9');
    expect(right.kind).toBe('ok');
    if (right.kind !== 'ok') return;
    expect((await sessionUser(deps, right.token))?.user.name).toBe('ann');
    // The session ends with its key, and at its time.
    await rotateKey(deps.users, 'ann', clock);
    expect(await sessionUser(deps, right.token)).toBeUndefined();
  });
});
