import type { User } from '../users/user.js';
import { grantUser } from './grant-check.js';
import type { OAuthDeps } from './oauth-deps.js';
import { hashSecret, looksLike } from './secrets.js';

export type AccessCheck =
  { readonly ok: true; readonly user: User } | { readonly ok: false; readonly reason: string };

/** True when the bearer value is shaped like one of our access tokens (not an API key). */
export function isAccessToken(bearer: string): boolean {
  return looksLike('access', bearer);
}

/**
 * The user an access token acts for, on this resource only. Fails when the token is unknown,
 * expired, for another audience, its grant revoked, or the API key used at consent or the user
 * revoked: two round trips (the token, then family, key and user together).
 */
export async function authenticateAccessToken(
  bearer: string,
  resource: string,
  deps: Pick<OAuthDeps, 'oauth' | 'users'>,
): Promise<AccessCheck> {
  if (!isAccessToken(bearer)) return { ok: false, reason: 'not an access token' };
  const record = await deps.oauth.getToken(hashSecret(bearer));
  if (!record || record.kind !== 'access')
    return { ok: false, reason: 'the access token is invalid or expired' };
  if (record.resource !== resource)
    return {
      ok: false,
      reason: `the access token was issued for another resource (${record.resource})`,
    };
  const [revoked, user] = await Promise.all([
    deps.oauth.isFamilyRevoked(record.familyId),
    grantUser(deps.users, record),
  ]);
  if (revoked) return { ok: false, reason: 'the grant was revoked' };
  if (!user) return { ok: false, reason: 'the API key used to authorize was revoked' };
  return { ok: true, user };
}
