/** The authorization server's fixed lifetimes, limits and scope. */

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
