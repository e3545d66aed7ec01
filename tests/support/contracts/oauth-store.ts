import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { Clock, OAuthStore } from '../../../src/core/ports.js';
import type {
  AuthorizationCodeRecord,
  OAuthClient,
  TokenRecord,
} from '../../../src/core/oauth/oauth-records.js';
import { hashSecret, issueSecret } from '../../../src/core/oauth/secrets.js';
import { movableClock, type MovableClock } from '../fixtures.js';

/**
 * What every OAuthStore must do: a code and a refresh token are spent once (the rest of a race
 * is a replay, with the record), an expired item reads as absent, a revoked family is remembered
 * until it expires, and counters count every attempt until they expire.
 */
export function oauthStoreContract(
  name: string,
  open: (clock: Clock) => Promise<OAuthStore>,
): void {
  describe(`OAuthStore contract: ${name}`, () => {
    const grant = () => ({
      userName: 'alice',
      keyHash: 'k'.repeat(64),
      clientId: 'smc_1',
      resource: 'http://127.0.0.1:1/mcp',
      scope: 'mcp',
      familyId: `f-${randomBytes(4).toString('hex')}`,
    });
    const code = (clock: MovableClock): AuthorizationCodeRecord => ({
      ...grant(),
      codeHash: issueSecret('code').hash,
      redirectUri: 'http://127.0.0.1/cb',
      codeChallenge: 'c'.repeat(43),
      expiresAt: clock.seconds() + 60,
    });
    const token = (clock: MovableClock, kind: TokenRecord['kind']): TokenRecord => ({
      ...grant(),
      tokenHash: issueSecret(kind).hash,
      kind,
      expiresAt: clock.seconds() + 3600,
    });

    it('keeps a client as registered', async () => {
      const oauth = await open(movableClock());
      const client: OAuthClient = {
        clientId: `smc_${randomBytes(6).toString('hex')}`,
        clientName: 'Desk',
        redirectUris: ['http://127.0.0.1/cb', 'https://claude.ai/api/mcp/auth_callback'],
        tokenEndpointAuthMethod: 'none',
        source: 'registration',
        createdAt: '2026-11-21T12:00:00Z',
      };
      await oauth.putClient(client);
      expect(await oauth.getClient(client.clientId)).toEqual(client);
      expect(await oauth.getClient('smc_unknown')).toBeUndefined();
    });

    it('spends a code exactly once, even when exchanges race; the others are replays', async () => {
      const clock = movableClock();
      const oauth = await open(clock);
      const record = code(clock);
      await oauth.putCode(record);
      const results = await Promise.all(
        Array.from({ length: 8 }, () => oauth.spendCode(record.codeHash)),
      );
      expect(results.filter((r) => r.status === 'spent')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(7);
      expect(results.map((r) => r.status !== 'missing' && r.record)).toEqual(Array(8).fill(record));
      expect((await oauth.spendCode(hashSecret('smac_unknown'))).status).toBe('missing');
    });

    it('treats an expired code or token as absent', async () => {
      const clock = movableClock();
      const oauth = await open(clock);
      const record = code(clock);
      const access = token(clock, 'access');
      await oauth.putCode(record);
      await oauth.putToken(access);
      expect(await oauth.getToken(access.tokenHash)).toEqual(access);
      clock.advance(61_000);
      expect((await oauth.spendCode(record.codeHash)).status).toBe('missing');
      clock.advance(3_600_000);
      expect(await oauth.getToken(access.tokenHash)).toBeUndefined();
    });

    it('spends only a refresh token as one, once; deletes a token', async () => {
      const clock = movableClock();
      const oauth = await open(clock);
      const access = token(clock, 'access');
      const refresh = token(clock, 'refresh');
      await oauth.putToken(access);
      await oauth.putToken(refresh);
      expect((await oauth.spendRefreshToken(access.tokenHash)).status).toBe('missing');
      expect(await oauth.spendRefreshToken(refresh.tokenHash)).toEqual({
        status: 'spent',
        record: refresh,
      });
      expect((await oauth.spendRefreshToken(refresh.tokenHash)).status).toBe('replayed');
      await oauth.deleteToken(access.tokenHash);
      expect(await oauth.getToken(access.tokenHash)).toBeUndefined();
    });

    it('remembers a revoked family until it expires', async () => {
      const clock = movableClock();
      const oauth = await open(clock);
      const family = `f-${randomBytes(4).toString('hex')}`;
      expect(await oauth.isFamilyRevoked(family)).toBe(false);
      await oauth.revokeFamily(family, clock.seconds() + 10);
      expect(await oauth.isFamilyRevoked(family)).toBe(true);
      clock.advance(11_000);
      expect(await oauth.isFamilyRevoked(family)).toBe(false);
    });

    it('counts every attempt, concurrent ones too, until the counter expires', async () => {
      const clock = movableClock();
      const oauth = await open(clock);
      const counter = `c-${randomBytes(4).toString('hex')}`;
      const expires = clock.seconds() + 600;
      expect(await oauth.attempts(counter)).toBe(0);
      expect(await oauth.countAttempt(counter, expires)).toBe(1);
      expect(
        (
          await Promise.all([
            oauth.countAttempt(counter, expires),
            oauth.countAttempt(counter, expires),
          ])
        ).sort(),
      ).toEqual([2, 3]);
      expect(await oauth.attempts(counter)).toBe(3);
      expect(await oauth.attempts(`${counter}-other`)).toBe(0);
      clock.advance(601_000);
      expect(await oauth.attempts(counter)).toBe(0);
    });
  });
}
