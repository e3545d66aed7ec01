import { HttpClientMetadataFetcher } from '../adapters/http/client-metadata-fetcher.js';
import type { AuditLog } from '../core/audit/audit-log.js';
import { ClientRegistry } from '../core/oauth/client-registry.js';
import type { OAuthDeps } from '../core/oauth/oauth-deps.js';
import type { Clock, Logger, OAuthStore, UserStore } from '../core/ports.js';
import { AppError } from '../core/errors.js';

/** How clients authenticate: `oauth` serves the authorization server too; `key` only takes API keys. */
export type AuthMode = 'oauth' | 'key';

export function parseAuthMode(value: string | undefined, source: string): AuthMode {
  if (value === undefined || value === '' || value === 'oauth') return 'oauth';
  if (value === 'key') return 'key';
  throw new AppError('CONFIG_INVALID', `${source} must be "oauth" or "key", not "${value}"`);
}

/**
 * The authorization server's dependencies over the stores. `allowLoopbackClientIds` is for tests:
 * it lets client ID metadata documents be served from 127.0.0.1 over http.
 */
export function composeOAuth(
  stores: { users: UserStore; oauth: OAuthStore; audit: AuditLog },
  clock: Clock,
  logger: Logger,
  options: { allowLoopbackClientIds?: boolean } = {},
): OAuthDeps {
  const allowLoopback = options.allowLoopbackClientIds === true;
  const clients = new ClientRegistry(
    stores.oauth,
    new HttpClientMetadataFetcher({ allowLoopback }),
    clock,
    { allowLoopbackClientIds: allowLoopback },
  );
  return { users: stores.users, oauth: stores.oauth, audit: stores.audit, clients, clock, logger };
}
