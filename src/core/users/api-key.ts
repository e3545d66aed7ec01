import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'smg_';
const KEY_PATTERN = /^smg_[A-Za-z0-9_-]{43}$/;

export interface IssuedKey {
  /** Shown to the operator once; never stored. */
  readonly key: string;
  readonly keyHash: string;
  /** Short public handle for listing and revoking keys. */
  readonly keyId: string;
}

/** A fresh 256-bit key, its hash and a short id. */
export function issueApiKey(): IssuedKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
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

/** Cheap shape check before any store lookup, so junk never reaches the database. */
export function looksLikeApiKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** Constant-time comparison of two hex digests of equal length. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
