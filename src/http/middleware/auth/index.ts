import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { User } from '../../../core/users/user.js';

export interface ApiKeyAuthOptions {
  /** Resolves a bearer token to an active user, or undefined. */
  readonly authenticate: (token: string) => Promise<User | undefined>;
  readonly realm?: string;
}

export type AuthVariables = { user: User };

/** 401 with `WWW-Authenticate: Bearer` and a JSON body saying what to do. */
export function unauthorized(realm: string, message: string): HTTPException {
  const res = new Response(JSON.stringify({ error: 'unauthorized', message }), {
    status: 401,
    headers: { 'content-type': 'application/json', 'www-authenticate': `Bearer realm="${realm}"` },
  });
  return new HTTPException(401, { res, message });
}

/** Requires `Authorization: Bearer <api key>` and puts the user in `c.var.user`. */
export function apiKeyAuth(options: ApiKeyAuthOptions): MiddlewareHandler<{ Variables: AuthVariables }> {
  const realm = options.realm ?? 'ssh-mcp-gateway';
  return async function apiKeyAuthCheck(c, next) {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) throw unauthorized(realm, 'send your API key as "Authorization: Bearer smg_…"');
    const user = await options.authenticate(match[1]);
    if (!user) throw unauthorized(realm, 'the API key is invalid or revoked; ask an admin for a new one');
    c.set('user', user);
    await next();
  };
}
