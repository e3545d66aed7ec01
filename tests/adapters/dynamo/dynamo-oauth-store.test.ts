import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoOAuthStore } from '../../../src/adapters/dynamo/dynamo-oauth-store.js';
import type {
  AuthorizationCodeRecord,
  TokenRecord,
} from '../../../src/core/oauth/oauth-records.js';
import { hashSecret, issueSecret } from '../../../src/core/oauth/secrets.js';
import type { Clock } from '../../../src/core/ports.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { pkcePair } from '../../support/oauth.js';

describe('DynamoOAuthStore on dynalite', () => {
  let store: TestStore;
  let now = Date.parse('2026-11-21T12:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const seconds = () => Math.floor(now / 1000);
  let oauth: DynamoOAuthStore;
  const grant = {
    userName: 'alice',
    keyHash: 'k'.repeat(64),
    clientId: 'smc_1',
    resource: 'http://127.0.0.1:1/mcp',
    scope: 'mcp',
    familyId: 'f1',
  };
  const code = (): AuthorizationCodeRecord => ({
    ...grant,
    codeHash: issueSecret('code').hash,
    redirectUri: 'http://127.0.0.1/cb',
    codeChallenge: pkcePair().challenge,
    expiresAt: seconds() + 60,
  });

  beforeAll(async () => {
    store = await startTestStore('oauth');
    oauth = new DynamoOAuthStore(store.db, store.tables.oauth, clock);
  });
  afterAll(async () => store?.close());

  it('spends a code exactly once, even when two exchanges race', async () => {
    const record = code();
    await oauth.putCode(record);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => oauth.spendCode(record.codeHash)),
    );
    expect(results.filter((r) => r.status === 'spent')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'replayed')).toHaveLength(7);
    const spent = results.find((r) => r.status === 'spent');
    expect(spent?.status === 'spent' && spent.record).toEqual(record);
    expect((await oauth.spendCode(hashSecret('smac_unknown'))).status).toBe('missing');
  });

  it('treats an expired code or token as absent', async () => {
    const record = code();
    await oauth.putCode(record);
    const token: TokenRecord = {
      ...grant,
      tokenHash: issueSecret('access').hash,
      kind: 'access',
      expiresAt: seconds() + 3600,
    };
    await oauth.putToken(token);
    expect(await oauth.getToken(token.tokenHash)).toEqual(token);
    now += 61_000;
    expect((await oauth.spendCode(record.codeHash)).status).toBe('missing');
    now += 3600_000;
    expect(await oauth.getToken(token.tokenHash)).toBeUndefined();
  });

  it('spends only refresh tokens as refresh tokens, and remembers revoked families until they expire', async () => {
    const access: TokenRecord = {
      ...grant,
      tokenHash: issueSecret('access').hash,
      kind: 'access',
      expiresAt: seconds() + 3600,
    };
    const refresh: TokenRecord = {
      ...grant,
      tokenHash: issueSecret('refresh').hash,
      kind: 'refresh',
      expiresAt: seconds() + 3600,
    };
    await oauth.putToken(access);
    await oauth.putToken(refresh);
    expect((await oauth.spendRefreshToken(access.tokenHash)).status).toBe('missing');
    expect((await oauth.spendRefreshToken(refresh.tokenHash)).status).toBe('spent');
    expect((await oauth.spendRefreshToken(refresh.tokenHash)).status).toBe('replayed');
    expect(await oauth.isFamilyRevoked('f2')).toBe(false);
    await oauth.revokeFamily('f2', seconds() + 10);
    expect(await oauth.isFamilyRevoked('f2')).toBe(true);
    now += 11_000;
    expect(await oauth.isFamilyRevoked('f2')).toBe(false);
  });

  it('counts attempts per key until the counter expires', async () => {
    const expires = seconds() + 600;
    expect(await oauth.attempts('c1')).toBe(0);
    expect(await oauth.countAttempt('c1', expires)).toBe(1);
    expect(
      await Promise.all([oauth.countAttempt('c1', expires), oauth.countAttempt('c1', expires)]),
    ).toEqual(expect.arrayContaining([2, 3]));
    expect(await oauth.attempts('c1')).toBe(3);
    expect(await oauth.attempts('c2')).toBe(0);
    now += 601_000;
    expect(await oauth.attempts('c1')).toBe(0);
  });
});
