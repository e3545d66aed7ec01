import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { ApiKeyRecord } from '../../../src/core/users/user.js';
import type { UserStore } from '../../../src/core/ports.js';
import { ConflictError, NotFoundError } from '../../../src/core/errors.js';
import { issueApiKey } from '../../../src/core/users/api-key.js';
import { userFixture } from '../fixtures.js';

const unique = (base: string) => `${base}-${randomBytes(4).toString('hex')}`;
const keyOf = (userName: string, createdAt: string): ApiKeyRecord => {
  const issued = issueApiKey(userName);
  return { keyHash: issued.keyHash, keyId: issued.keyId, userName, createdAt };
};

/**
 * What every UserStore must do: names taken once, a replace only of who exists, keys found by
 * their hash alone (a point read), a key and its user in one read, removal only by the owner.
 */
export function userStoreContract(name: string, open: () => Promise<UserStore>): void {
  describe(`UserStore contract: ${name}`, () => {
    it('creates, reads back whole, lists, and refuses a taken name', async () => {
      const users = await open();
      const alice = userFixture({ name: unique('alice'), policy: 'read-only' });
      const bob = userFixture({ name: unique('bob'), role: 'viewer', readOnly: true });
      await users.createUser(alice);
      await users.createUser(bob);
      expect(await users.getUser(alice.name)).toEqual(alice);
      expect(await users.getUser(bob.name)).toEqual(bob);
      const listed = (await users.listUsers()).map((u) => u.name);
      expect(listed).toEqual(expect.arrayContaining([alice.name, bob.name]));
      await expect(users.createUser({ ...alice, role: 'admin' })).rejects.toBeInstanceOf(
        ConflictError,
      );
      expect((await users.getUser(alice.name))?.role).toBe('operator');
      expect(await users.getUser(unique('nobody'))).toBeUndefined();
    });

    it('replaces only a user who exists', async () => {
      const users = await open();
      const carol = userFixture({ name: unique('carol') });
      await users.createUser(carol);
      await users.putUser({ ...carol, toolsets: ['jobs'], disabled: true });
      expect(await users.getUser(carol.name)).toMatchObject({ toolsets: ['jobs'], disabled: true });
      await expect(users.putUser(userFixture({ name: unique('ghost') }))).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('finds a key by its hash, lists a user’s keys oldest first, and removes a key only for its owner', async () => {
      const users = await open();
      const dave = unique('dave');
      const first = keyOf(dave, '2026-01-01T00:00:00Z');
      const second = keyOf(dave, '2026-01-02T00:00:00Z');
      await users.addKey(second);
      await users.addKey(first);
      expect(await users.findKey(first.keyHash)).toEqual(first);
      expect((await users.listKeys(dave)).map((k) => k.keyId)).toEqual([first.keyId, second.keyId]);
      await expect(users.removeKey(unique('mallory'), first.keyHash)).rejects.toThrow(
        /no such key/,
      );
      await users.removeKey(dave, first.keyHash);
      expect(await users.findKey(first.keyHash)).toBeUndefined();
      expect(await users.findKey(second.keyHash)).toEqual(second);
    });

    it('reads a key and its user together, saying which of the two is missing', async () => {
      const users = await open();
      const erin = userFixture({ name: unique('erin') });
      const key = keyOf(erin.name, '2026-01-03T00:00:00Z');
      await users.createUser(erin);
      expect(await users.findKeyAndUser(key.keyHash, erin.name)).toEqual({ user: erin });
      await users.addKey(key);
      expect(await users.findKeyAndUser(key.keyHash, erin.name)).toEqual({ key, user: erin });
      expect(await users.findKeyAndUser(key.keyHash, unique('nobody'))).toEqual({ key });
    });
  });
}
