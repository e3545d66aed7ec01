import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { ApproverSession, ApproverSessionStore } from '../../../src/core/ports.js';

/**
 * What every ApproverSessionStore must do: a session read back whole until it expires or is
 * ended (by the caller's clock), and wrong keys counted per address and window, every one.
 */
export function approverSessionStoreContract(
  name: string,
  open: () => Promise<ApproverSessionStore>,
): void {
  describe(`ApproverSessionStore contract: ${name}`, () => {
    const now = 1_800_000_000;
    const session = (): ApproverSession => ({
      tokenHash: randomBytes(32).toString('hex'),
      user: 'ann',
      keyHash: 'k'.repeat(64),
      csrf: randomBytes(16).toString('hex'),
      expiresAt: now + 900,
    });

    it('reads a session back whole until it expires', async () => {
      const sessions = await open();
      const s = session();
      await sessions.createSession(s);
      expect(await sessions.getSession(s.tokenHash, now)).toEqual(s);
      expect(await sessions.getSession(s.tokenHash, now + 900)).toBeUndefined();
      expect(await sessions.getSession('f'.repeat(64), now)).toBeUndefined();
    });

    it('ends a session: from then on it is absent, and ending it again changes nothing', async () => {
      const sessions = await open();
      const s = session();
      await sessions.createSession(s);
      await sessions.endSession(s.tokenHash, now + 10);
      expect(await sessions.getSession(s.tokenHash, now + 10)).toBeUndefined();
      await sessions.endSession(s.tokenHash, now + 20);
      await sessions.endSession('f'.repeat(64), now);
    });

    it('counts every wrong key per address and window', async () => {
      const sessions = await open();
      const address = `10.0.0.${randomBytes(1)[0]}-${randomBytes(3).toString('hex')}`;
      expect(await sessions.failures(address, now)).toBe(0);
      const counts = await Promise.all(
        Array.from({ length: 3 }, () => sessions.countFailure(address, now, now + 1200)),
      );
      expect(counts.sort()).toEqual([1, 2, 3]);
      expect(await sessions.failures(address, now)).toBe(3);
      expect(await sessions.failures(address, now + 600)).toBe(0);
    });
  });
}
