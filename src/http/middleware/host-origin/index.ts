import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { InternalError } from '../../../core/errors.js';

export interface HostOriginOptions {
  /** `host[:port]` values accepted in the Host header; `*` accepts any (behind a trusted front door). */
  readonly allowedHosts: readonly string[];
  /** Also require a browser Origin to be one of those hosts (default). Off for endpoints other sites' pages may call. */
  readonly checkOrigin?: boolean;
}

/**
 * DNS-rebinding protection: the Host header must be one we serve, and a browser Origin (when
 * sent) must point at one of those hosts too. Anything else is 403 before auth runs.
 */
export function hostOrigin(options: HostOriginOptions): MiddlewareHandler {
  if (options.allowedHosts.length === 0)
    throw new InternalError('hostOrigin: allowedHosts must not be empty');
  const any = options.allowedHosts.includes('*');
  const allowed = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  return async function hostOriginCheck(c, next) {
    if (!any) {
      const host = (c.req.header('host') ?? new URL(c.req.url).host).toLowerCase();
      if (!allowed.has(host))
        throw new HTTPException(403, { message: `Host "${host}" is not served here` });
      const origin = options.checkOrigin === false ? undefined : c.req.header('origin');
      if (origin !== undefined && origin !== 'null') {
        let originHost: string;
        try {
          originHost = new URL(origin).host.toLowerCase();
        } catch {
          throw new HTTPException(403, { message: 'malformed Origin header' });
        }
        if (!allowed.has(originHost))
          throw new HTTPException(403, { message: `Origin "${origin}" is not allowed` });
      }
    }
    await next();
  };
}
