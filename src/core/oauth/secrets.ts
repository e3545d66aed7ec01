import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Prefixes make leaked values recognisable (secret scanners, logs): access token, refresh token,
 * authorization code, client secret.
 */
export const SECRET_PREFIX = {
  access: 'smat_',
  refresh: 'smrt_',
  code: 'smac_',
  clientSecret: 'smcs_',
} as const;

/** A fresh 256-bit secret with its prefix, and the SHA-256 that is all we store. */
export function issueSecret(kind: keyof typeof SECRET_PREFIX): { value: string; hash: string } {
  const value = SECRET_PREFIX[kind] + randomBytes(32).toString('base64url');
  return { value, hash: hashSecret(value) };
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** True when `value` has the shape of a secret of this kind (checked before any store read). */
export function looksLike(kind: keyof typeof SECRET_PREFIX, value: string): boolean {
  return (
    value.startsWith(SECRET_PREFIX[kind]) &&
    /^[A-Za-z0-9_-]{43}$/.test(value.slice(SECRET_PREFIX[kind].length))
  );
}

/** PKCE S256 (RFC 7636 4.6): BASE64URL(SHA256(verifier)) equals the challenge, compared in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

export function randomId(): string {
  return randomBytes(16).toString('hex');
}
