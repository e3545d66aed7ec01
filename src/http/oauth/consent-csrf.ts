import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AuthorizationRequest } from '../../core/oauth/authorize.js';

/**
 * The consent form's CSRF token: a random seed in a SameSite=Strict cookie on /authorize, and a
 * hidden field that hashes the seed with the authorization it was shown for. A form posted from
 * another site carries no cookie; a token from one authorization does not fit another.
 */
const COOKIE = 'smg_consent';
const LIFETIME_SECONDS = 15 * 60;

function tokenFor(seed: string, request: AuthorizationRequest): string {
  const bound = [
    seed,
    request.clientId,
    request.redirectUri,
    request.codeChallenge,
    request.state ?? '',
    request.resource,
  ].join('\n');
  return createHash('sha256').update(bound).digest('base64url');
}

/** The token for the page about to be shown, setting the cookie when there is none yet. */
export function issueConsentToken(
  c: Context,
  request: AuthorizationRequest,
  secure: boolean,
): string {
  let seed = getCookie(c, COOKIE);
  if (!seed || !/^[A-Za-z0-9_-]{43}$/.test(seed)) {
    seed = randomBytes(32).toString('base64url');
    setCookie(c, COOKIE, seed, {
      path: '/authorize',
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      maxAge: LIFETIME_SECONDS,
    });
  }
  return tokenFor(seed, request);
}

/** Whether a posted form carries the token of this authorization and this browser's cookie. */
export function consentTokenValid(
  c: Context,
  request: AuthorizationRequest,
  posted: string | undefined,
): boolean {
  const seed = getCookie(c, COOKIE);
  if (!seed || !posted) return false;
  const expected = Buffer.from(tokenFor(seed, request));
  const given = Buffer.from(posted);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
