import type { Context, MiddlewareHandler } from 'hono';
import ipaddr from 'ipaddr.js';
import type { AuditEvent } from '../../../core/audit/audit-record.js';
import { systemClock, type Clock, type Logger } from '../../../core/ports.js';
import type { User } from '../../../core/users/user.js';
import { logDetail } from '../../../core/errors.js';

export interface AuditRefusalsOptions {
  readonly record: (event: AuditEvent) => Promise<unknown>;
  readonly clientAddress: (c: Context) => string;
  readonly logger: Logger;
  /** Refusals recorded one by one per address (an IPv6 /64) and minute (default 30). */
  readonly perAddressPerMinute?: number;
  /** Refusals recorded one by one per minute from all addresses together (default 300). */
  readonly perMinute?: number;
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

interface Window {
  start: number;
  recorded: number;
  /** The limit was reached and said so; later refusals are only counted. */
  engaged: boolean;
  counted: number;
}

const fresh = (start: number): Window => ({ start, recorded: 0, engaged: false, counted: 0 });

/**
 * Records every request the gateway refuses (a 4xx: no or a bad credential, a Host or Origin not
 * served, a body too large, a bad OAuth request) as `request.refused` — after the refusal, with
 * the caller's address and, from `c.var.refusal`, why. If the record cannot be written the
 * answer becomes a 503.
 *
 * Refusals share the audit chain with real calls, so a flood of bad requests must not flood it:
 * past `perAddressPerMinute` from one address (an IPv6 /64 counts as one) or `perMinute` from
 * all together, further refusals are counted, not recorded one by one. The refusal that reaches a
 * limit is recorded saying so, and the count is recorded with the next refusal recorded after
 * the minute — never silent.
 */
export function auditRefusals(
  options: AuditRefusalsOptions,
): MiddlewareHandler<{ Variables: RefusalVariables }> {
  const perAddress = options.perAddressPerMinute ?? 30;
  const overall = options.perMinute ?? 300;
  const clock = options.clock ?? systemClock;
  const windows = new Map<string, Window>();
  let all = fresh(-Infinity);
  return async function auditRefusal(c, next) {
    await next();
    const status = c.res.status;
    if (status < 400 || status >= 500 || NOT_RECORDED.has(status)) return;
    const address = options.clientAddress(c);
    const now = clock.now().getTime();
    const notes: string[] = [];
    if (now - all.start >= WINDOW_MS) {
      if (all.counted)
        notes.push(
          `${all.counted} refusals from all addresses in an earlier minute were counted, not recorded one by one`,
        );
      all = fresh(now);
    }
    const key = addressKey(address);
    let mine = windows.get(key);
    if (!mine || now - mine.start >= WINDOW_MS) {
      if (windows.size >= MAX_ADDRESSES) prune(windows, now);
      if (mine?.counted)
        notes.push(
          `${mine.counted} earlier refusals from this address were counted, not recorded one by one`,
        );
      mine = fresh(now);
      windows.set(key, mine);
    }
    const full = mine.recorded >= perAddress ? mine : all.recorded >= overall ? all : undefined;
    if (full?.engaged) {
      full.counted++;
      return;
    }
    if (full) {
      // The first refusal past a limit is recorded, saying so; the rest are only counted.
      full.engaged = true;
      notes.push(
        full === mine
          ? `more than ${perAddress} refusals from this address this minute: the rest are counted, not recorded one by one`
          : `more than ${overall} refusals this minute: the rest are counted, not recorded one by one`,
      );
    }
    mine.recorded++;
    all.recorded++;
    try {
      await options.record({
        type: 'request.refused',
        requestId: c.var.requestId,
        user: c.var.user?.name ?? '-',
        outcome: String(status),
        detail: `${c.req.method} ${c.req.path}: ${await reasonOf(c)}${notes.length ? ` (${notes.join('; ')})` : ''}`,
        address,
      });
    } catch (error) {
      options.logger.error('audit append failed', {
        path: c.req.path,
        status,
        error: logDetail(error),
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

/** What one address is for the limits: an IPv4 address, an IPv6 /64, or the string as given. */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  return `${(ip as ipaddr.IPv6).parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
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

function prune(windows: Map<string, Window>, now: number): void {
  for (const [address, window] of windows)
    if (now - window.start >= WINDOW_MS) windows.delete(address);
  // Still full of live windows: start over rather than grow without bound.
  if (windows.size >= MAX_ADDRESSES) windows.clear();
}
