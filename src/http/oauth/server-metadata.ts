import { MCP_SCOPE } from '../../core/oauth/oauth-settings.js';
import type { ServerUrls } from '../../core/oauth/server-urls.js';
import { TOKEN_AUTH_METHODS } from '../../core/oauth/oauth-records.js';

export const OAUTH_PATHS = {
  protectedResource: '/.well-known/oauth-protected-resource',
  authorizationServer: '/.well-known/oauth-authorization-server',
  authorize: '/authorize',
  token: '/token',
  register: '/register',
  revoke: '/revoke',
} as const;

/** Where a client finds the resource metadata for `/mcp` (RFC 9728 §3.1, path-suffixed form). */
export function resourceMetadataUrl(urls: ServerUrls): string {
  return `${urls.issuer}${OAUTH_PATHS.protectedResource}${new URL(urls.resource).pathname}`;
}

/** RFC 9728 protected resource metadata for the MCP endpoint. */
export function protectedResourceMetadata(urls: ServerUrls): Record<string, unknown> {
  return {
    resource: urls.resource,
    authorization_servers: [urls.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: [MCP_SCOPE],
    resource_name: 'ssh-mcp-gateway',
  };
}

/** RFC 8414 authorization server metadata. */
export function authorizationServerMetadata(urls: ServerUrls): Record<string, unknown> {
  return {
    issuer: urls.issuer,
    authorization_endpoint: urls.issuer + OAUTH_PATHS.authorize,
    token_endpoint: urls.issuer + OAUTH_PATHS.token,
    registration_endpoint: urls.issuer + OAUTH_PATHS.register,
    revocation_endpoint: urls.issuer + OAUTH_PATHS.revoke,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...TOKEN_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_AUTH_METHODS],
    scopes_supported: [MCP_SCOPE],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}
