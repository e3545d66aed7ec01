import type { AuditLog } from '../audit/audit-log.js';
import type { Clock, Logger, OAuthStore, UserStore } from '../ports.js';
import type { ClientRegistry } from './client-registry.js';

/** What the authorization server needs; built by a composition root, absent in key-only mode. */
export interface OAuthDeps {
  readonly users: UserStore;
  readonly oauth: OAuthStore;
  readonly clients: ClientRegistry;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
}
