import type { Notifier } from '../../core/ports.js';
import { AppError } from '../../core/errors.js';

/**
 * POSTs JSON to a webhook with a short timeout and no redirects. Nothing else is done with the
 * answer: a webhook is told, not asked.
 */
export class WebhookNotifier implements Notifier {
  constructor(private readonly timeoutMs = 2_000) {}

  async post(url: string, body: unknown): Promise<void> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const why =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : 'it could not be reached';
      throw new AppError('UNREACHABLE', why, { cause: error });
    }
    await res.body?.cancel();
    if (!res.ok) throw new AppError('UNREACHABLE', `it answered HTTP ${res.status}`);
  }
}
