import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { User } from '../../../core/users/user.js';
import { MCP_SCOPE } from '../../../core/oauth/oauth-settings.js';

export interface BearerAuthOptions {
  /** Resolves a bearer token (API key or access token) to an active user, or says why not. */
  readonly authenticate: (
    token: string,
    c: Context,
  ) => Promise<{ readonly user: User } | { readonly refused: string }>;
  /**
   * Where the resource metadata is (RFC 9728 §5.1). When set, a 401 names it, which starts OAuth
   * discovery in clients; key-only servers leave it unset so header-configured clients are not diverted.
   */
  readonly resourceMetadataUrl?: (c: Context) => string;
  readonly realm?: string;
}

/** `refusal` says, for the audit record, why a request was refused; never a credential. */
export type AuthVariables = { user: User; refusal?: string };

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

/** 401 with `WWW-Authenticate: Bearer …` and a JSON body saying what to do (and repeating the metadata URL). */
export function unauthorized(options: {
  realm: string;
  message: string;
  resourceMetadata?: string;
  invalidToken?: boolean;
}): HTTPException {
  const params = [`realm=${quoted(options.realm)}`];
  if (options.resourceMetadata)
    params.push(
      `resource_metadata=${quoted(options.resourceMetadata)}`,
      // The scope to ask for (2026-07-28 authorization: SHOULD be in the challenge).
      `scope=${quoted(MCP_SCOPE)}`,
    );
  if (options.invalidToken)
    params.push('error="invalid_token"', `error_description=${quoted(options.message)}`);
  const body = {
    error: options.invalidToken ? 'invalid_token' : 'unauthorized',
    message: options.message,
    ...(options.resourceMetadata ? { resource_metadata: options.resourceMetadata } : {}),
  };
  const res = new Response(JSON.stringify(body), {
    status: 401,
    headers: {
      'content-type': 'application/json',
      'www-authenticate': `Bearer ${params.join(', ')}`,
    },
  });
  return new HTTPException(401, { res, message: options.message });
}

/** Requires `Authorization: Bearer <API key or access token>` and puts the user in `c.var.user`. */
export function bearerAuth(
  options: BearerAuthOptions,
): MiddlewareHandler<{ Variables: AuthVariables }> {
  const realm = options.realm ?? 'ssh-mcp-gateway';
  return async function bearerAuthCheck(c, next) {
    const resourceMetadata = options.resourceMetadataUrl?.(c);
    const header = c.req.header('authorization');
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match?.[1]) {
      c.set(
        'refusal',
        header ? 'an Authorization header that is not "Bearer <token>"' : 'no credential',
      );
      const message = resourceMetadata
        ? 'sign in with OAuth (discovery starts at resource_metadata), or send your API key as "Authorization: Bearer smg_…"'
        : 'send your API key as "Authorization: Bearer smg_…"';
      throw unauthorized({ realm, message, ...(resourceMetadata ? { resourceMetadata } : {}) });
    }
    const result = await options.authenticate(match[1], c);
    if (!('user' in result)) {
      c.set('refusal', result.refused);
      throw unauthorized({
        realm,
        message:
          'the API key or access token is invalid, expired or revoked; sign in again or ask an admin for a new key',
        ...(resourceMetadata ? { resourceMetadata } : {}),
        invalidToken: true,
      });
    }
    c.set('user', result.user);
    await next();
  };
}
