import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'smg_';

/**
 * A key names its user: `smg_<name>.<43 random characters>`, with `@` written `~` so the key stays
 * a valid bearer token. Knowing the user before any read lets authentication fetch the key and the
 * user in one request. The name is only where to look: the stored key item, found by the hash of
 * the whole key, must name the same user. Keys issued before names were added (`smg_<43>`) still
 * work, with two reads.
 */
const KEY_NAME = '[A-Za-z0-9][A-Za-z0-9._~-]{0,63}';
const KEY_SECRET = '[A-Za-z0-9_-]{43}';
const KEY_PATTERN = new RegExp(`^smg_(?:(${KEY_NAME})\\.)?${KEY_SECRET}$`);

/** An API key of either shape inside any text, for scrubbing and for tests that read one back. */
export const API_KEY_IN_TEXT = `smg_(?:${KEY_NAME}\\.)?${KEY_SECRET}`;

export interface IssuedKey {
  /** Shown to the operator once; never stored. */
  readonly key: string;
  readonly keyHash: string;
  /** Short public handle for listing and revoking keys. */
  readonly keyId: string;
}

/** A fresh 256-bit key for `userName`, its hash and a short id. */
export function issueApiKey(userName: string): IssuedKey {
  const key = `${API_KEY_PREFIX}${userName.replaceAll('@', '~')}.${randomBytes(32).toString('base64url')}`;
  const keyHash = hashApiKey(key);
  return { key, keyHash, keyId: keyIdOf(keyHash) };
}

/** The short public handle of a key, from its hash: safe to list, log and audit. */
export function keyIdOf(keyHash: string): string {
  return keyHash.slice(0, 12);
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Cheap shape check before any store lookup, so junk never reaches the database: undefined for
 * junk, else the user the key says it belongs to (undefined `userName` for a key without one).
 */
export function parseApiKey(value: string): { readonly userName?: string } | undefined {
  const match = KEY_PATTERN.exec(value);
  if (!match) return undefined;
  return match[1] === undefined ? {} : { userName: match[1].replaceAll('~', '@') };
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
