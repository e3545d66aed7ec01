import type { Context, MiddlewareHandler } from 'hono';
import type { AuditEvent } from '../../../core/audit/audit-record.js';
import { systemClock, type Clock, type Logger } from '../../../core/ports.js';
import type { User } from '../../../core/users/user.js';

export interface AuditRefusalsOptions {
  readonly record: (event: AuditEvent) => Promise<unknown>;
  readonly clientAddress: (c: Context) => string;
  readonly logger: Logger;
  /** Refusals recorded one by one per address and minute; the rest are counted (default 30). */
  readonly perAddressPerMinute?: number;
  readonly clock?: Clock;
}

/** Set by whatever refuses a request when it knows more than the response says (which key, why). */
export type RefusalVariables = { refusal?: string; user?: User };

const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 10_000;
/** Not refusals of anything: a resource that does not exist, a method the endpoint does not take. */
const NOT_RECORDED = new Set([404, 405]);

export const AUDIT_UNAVAILABLE_MESSAGE =
  'the gateway cannot write its audit log, so it refuses requests; try again later, and tell an admin (the gateway log says why)';

/**
 * Records every request the gateway refuses (a 4xx: no or a bad credential, a Host or Origin not
 * served, a body too large, a bad OAuth request) as `request.refused` — after the refusal, with
 * the caller's address and, from `c.var.refusal`, why. If the record cannot be written the
 * answer becomes a 503. Past `perAddressPerMinute` refusals from one address in a minute, the
 * rest are counted and the count is recorded with the address's next recorded refusal, so a flood
 * of bad requests cannot flood the log (or queue behind it the records of real calls).
 */
export function auditRefusals(
  options: AuditRefusalsOptions,
): MiddlewareHandler<{ Variables: RefusalVariables }> {
  const limit = options.perAddressPerMinute ?? 30;
  const clock = options.clock ?? systemClock;
  const windows = new Map<string, { start: number; recorded: number; counted: number }>();
  return async function auditRefusal(c, next) {
    await next();
    const status = c.res.status;
    if (status < 400 || status >= 500 || NOT_RECORDED.has(status)) return;
    const address = options.clientAddress(c);
    const now = clock.now().getTime();
    let window = windows.get(address);
    let note = '';
    if (!window || now - window.start >= WINDOW_MS) {
      if (windows.size >= MAX_ADDRESSES) prune(windows, now);
      if (window?.counted)
        note = ` (and ${window.counted} earlier refusals from this address, counted, not recorded one by one)`;
      window = { start: now, recorded: 0, counted: 0 };
      windows.set(address, window);
    }
    if (window.recorded >= limit) {
      window.counted++;
      return;
    }
    window.recorded++;
    try {
      await options.record({
        type: 'request.refused',
        requestId: c.var.requestId,
        user: c.var.user?.name ?? '-',
        outcome: String(status),
        detail: `${c.req.method} ${c.req.path}: ${await reasonOf(c)}${note}`,
        address,
      });
    } catch (error) {
      options.logger.error('audit append failed', {
        path: c.req.path,
        status,
        error: error instanceof Error ? error.message : String(error),
      });
      options.logger.count('AuditWriteFailures');
      const close = c.res.headers.get('connection');
      c.res = undefined;
      c.res = c.json(
        { error: 'unavailable', message: AUDIT_UNAVAILABLE_MESSAGE },
        503,
        close ? { connection: close } : {},
      );
    }
  };
}

/** What the refuser said: `c.var.refusal`, else the JSON error's message, else the status. */
async function reasonOf(c: Context<{ Variables: RefusalVariables }>): Promise<string> {
  const known = c.var.refusal;
  if (known) return known;
  if (c.res.headers.get('content-type')?.startsWith('application/json')) {
    try {
      const body = (await c.res.clone().json()) as Record<string, unknown>;
      const { message, error, error_description: description } = body;
      if (typeof message === 'string') return message;
      // An OAuth error (RFC 6749 §5.2).
      if (typeof error === 'string')
        return typeof description === 'string' ? `${error}: ${description}` : error;
    } catch {
      // not the JSON it claimed to be: fall through
    }
  }
  return `HTTP ${c.res.status}`;
}

function prune(windows: Map<string, { start: number }>, now: number): void {
  for (const [address, window] of windows)
    if (now - window.start >= WINDOW_MS) windows.delete(address);
  // Still full of live windows: start over rather than grow without bound.
  if (windows.size >= MAX_ADDRESSES) windows.clear();
}
