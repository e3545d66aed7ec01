import type { Clock, OAuthStore } from '../ports.js';
import { epochSeconds } from './oauth-deps.js';

/**
 * At most `max` counted attempts per key in fixed windows of `windowSeconds`, kept in the store so
 * every process and Lambda container shares the count.
 */
export class AttemptLimit {
  constructor(
    private readonly store: OAuthStore,
    private readonly clock: Clock,
    private readonly name: string,
    readonly limit: { readonly max: number; readonly windowSeconds: number },
  ) {}

  private window(key: string): { counter: string; retryAfterSeconds: number; ends: number } {
    const now = epochSeconds(this.clock);
    const index = Math.floor(now / this.limit.windowSeconds);
    const ends = (index + 1) * this.limit.windowSeconds;
    return { counter: `${this.name}:${key}:${index}`, retryAfterSeconds: ends - now, ends };
  }

  /** Seconds until the key may try again, or 0 when it may now. */
  async blockedFor(key: string): Promise<number> {
    const w = this.window(key);
    return (await this.store.attempts(w.counter)) >= this.limit.max ? w.retryAfterSeconds : 0;
  }

  /** Counts one attempt; answers how many are left in this window and when it ends. */
  async count(key: string): Promise<{ remaining: number; retryAfterSeconds: number }> {
    const w = this.window(key);
    const used = await this.store.countAttempt(w.counter, w.ends);
    return {
      remaining: Math.max(0, this.limit.max - used),
      retryAfterSeconds: w.retryAfterSeconds,
    };
  }
}
