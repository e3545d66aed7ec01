import type { Clock, OAuthStore } from '../ports.js';
import { epochSeconds } from '../expiry.js';

/**
 * At most `max` counted attempts per key over the current fixed window of `windowSeconds` and the
 * one before it (so crossing a boundary resets nothing), kept in the store so every process and
 * Lambda container shares the count.
 */
export class AttemptLimit {
  constructor(
    private readonly store: OAuthStore,
    private readonly clock: Clock,
    private readonly name: string,
    readonly limit: { readonly max: number; readonly windowSeconds: number },
  ) {}

  private window(key: string) {
    const now = epochSeconds(this.clock);
    const index = Math.floor(now / this.limit.windowSeconds);
    const ends = (index + 1) * this.limit.windowSeconds;
    return {
      counter: `${this.name}:${key}:${index}`,
      previous: `${this.name}:${key}:${index - 1}`,
      // Kept one window longer: the next window looks back at it.
      keepUntil: ends + this.limit.windowSeconds,
      retryAfterSeconds: ends - now,
    };
  }

  /** Seconds until the key may try again, or 0 when it may now. */
  async blockedFor(key: string): Promise<number> {
    const w = this.window(key);
    const [earlier, current] = await Promise.all([
      this.store.attempts(w.previous),
      this.store.attempts(w.counter),
    ]);
    if (earlier + current < this.limit.max) return 0;
    return w.retryAfterSeconds + (earlier > 0 ? this.limit.windowSeconds : 0);
  }

  /** Counts one attempt; answers how many are left and when the key may try again. */
  async count(key: string): Promise<{ remaining: number; retryAfterSeconds: number }> {
    const w = this.window(key);
    const [earlier, current] = await Promise.all([
      this.store.attempts(w.previous),
      this.store.countAttempt(w.counter, w.keepUntil),
    ]);
    return {
      remaining: Math.max(0, this.limit.max - earlier - current),
      retryAfterSeconds: w.retryAfterSeconds + (earlier > 0 ? this.limit.windowSeconds : 0),
    };
  }
}
