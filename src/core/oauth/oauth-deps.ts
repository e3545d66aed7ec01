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

/** Where this server is, as the client sees it: the issuer (RFC 8414) and the MCP resource (RFC 9728). */
export interface ServerUrls {
  readonly issuer: string;
  readonly resource: string;
}

/**
 * True when a client's `resource` names our MCP resource: exactly, with a trailing slash, or as
 * the bare origin (clients differ in which they send; all mean this endpoint), with scheme and
 * host in any case (RFC 3986 §6.2.2.1). Tokens always carry the canonical resource URL as their
 * audience.
 */
export function namesResource(requested: string, urls: ServerUrls): boolean {
  let normal: string;
  try {
    normal = new URL(requested).href.replace(/\/$/, '');
  } catch {
    return false;
  }
  return normal === urls.resource || normal === urls.issuer;
}

export const LIFETIME_SECONDS = {
  code: 60,
  access: 60 * 60,
  refresh: 30 * 24 * 60 * 60,
} as const;

/** Wrong API keys allowed per client and address in one window before the page refuses to check more. */
export const CONSENT_ATTEMPTS = { max: 5, windowSeconds: 10 * 60 } as const;
/** Dynamic registrations allowed per address in one window. */
export const REGISTRATION_ATTEMPTS = { max: 20, windowSeconds: 60 * 60 } as const;

/** The only scope: access is decided by the user's role and host access, not by scopes. */
export const MCP_SCOPE = 'mcp';
