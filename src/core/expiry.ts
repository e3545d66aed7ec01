import type { Clock } from './ports.js';

/**
 * Expiry in one place. Stored items carry `expiresAt` in epoch seconds (DynamoDB's TTL); TTL
 * deletes lazily and dynalite never, so readers treat an item at or past it as absent.
 */

export const DAY_SECONDS = 86_400;

/** Epoch seconds now, by a clock or at a date. */
export function epochSeconds(at: Clock | Date): number {
  const date = at instanceof Date ? at : at.now();
  return Math.floor(date.getTime() / 1000);
}

/** When something kept `days` from `now` expires (epoch seconds). */
export function expiresAfterDays(now: Clock | Date, days: number): number {
  return epochSeconds(now) + days * DAY_SECONDS;
}

/** True when an item that expires at `expiresAt` (epoch seconds) counts as gone at `now`. */
export function hasExpired(expiresAt: number, now: number): boolean {
  return expiresAt <= now;
}

/** An epoch-seconds time as an ISO date, for people. */
export function isoFromEpoch(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
