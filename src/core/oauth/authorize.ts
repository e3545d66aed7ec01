import { hashApiKey } from '../users/api-key.js';
import { authenticate } from '../users/user-admin.js';
import { OAuthError } from './oauth-error.js';
import { CONSENT_ATTEMPTS, LIFETIME_SECONDS, MCP_SCOPE } from './oauth-settings.js';
import { namesResource, type ServerUrls } from './server-urls.js';
import type { OAuthDeps } from './oauth-deps.js';
import type { OAuthClient } from './oauth-records.js';
import { withQuery } from './redirect-uri.js';
import { AttemptLimit } from './attempt-limit.js';
import { issueSecret, randomId } from './secrets.js';
import { epochSeconds } from '../expiry.js';

/** The query (GET) or form (POST) parameters of an authorization request. */
export type AuthorizationParams = Readonly<Record<string, string | undefined>>;

/** A checked request: everything a consent binds, ready to be approved or denied. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state?: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly resource: string;
}

export type CheckedAuthorization =
  /** The client or redirect URI cannot be trusted: tell the user, never redirect (RFC 6749 §4.1.2.1). */
  | { readonly kind: 'fatal'; readonly message: string }
  /** Client, redirect URI and PKCE are valid, but the request is wrong: tell the client. */
  | { readonly kind: 'ok'; readonly request: AuthorizationRequest; readonly client: OAuthClient };

export type ApprovalResult =
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'wrong-key'; readonly attemptsLeft: number }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number };

/** Validates an authorization request (OAuth 2.1 §4.1.1 with PKCE S256 and RFC 8707 resource). */
export async function checkAuthorizationRequest(
  params: AuthorizationParams,
  deps: OAuthDeps,
  urls: ServerUrls,
): Promise<CheckedAuthorization> {
  const clientId = params['client_id'];
  if (!clientId)
    return {
      kind: 'fatal',
      message:
        'The request names no client (client_id is missing). Start again from your MCP client.',
    };
  let client: OAuthClient | undefined;
  try {
    client = await deps.clients.find(clientId);
  } catch (error) {
    if (error instanceof OAuthError) return { kind: 'fatal', message: error.message };
    throw error;
  }
  if (!client)
    return {
      kind: 'fatal',
      message:
        'This client is not registered here. Remove the connector from your MCP client and add it again.',
    };

  const requested = params['redirect_uri'];
  const redirectUri =
    requested ?? (client.redirectUris.length === 1 ? client.redirectUris[0] : undefined);
  if (!redirectUri)
    return {
      kind: 'fatal',
      message:
        'The request has no redirect_uri and the client registered several; the client must say which.',
    };
  if (!client.redirectUris.includes(redirectUri))
    return {
      kind: 'fatal',
      message:
        'The redirect_uri is not one this client registered, so the request was stopped. Reconnect from your MCP client.',
    };

  const state = params['state'];
  // Until the request is well formed, with PKCE and our resource, nothing is sent to the redirect
  // URI: any self-registered client could otherwise bounce a person, unasked, to any https URI it
  // registered (the 2026-07-28 authorization text: redirect automatically only to trusted URIs).
  const page = (message: string): CheckedAuthorization => ({
    kind: 'fatal',
    message: `${message}. The request was stopped here; start again from your MCP client.`,
  });
  if (params['response_type'] !== 'code') return page('response_type must be "code"');
  const challenge = params['code_challenge'];
  if (!challenge) return page('code_challenge is required (PKCE with S256)');
  if (params['code_challenge_method'] !== 'S256') return page('code_challenge_method must be S256');
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge))
    return page('code_challenge must be a base64url SHA-256 (43 characters)');
  const requestedResource = params['resource'];
  if (requestedResource !== undefined && !namesResource(requestedResource, urls))
    return page(`resource must be this server's MCP endpoint, ${urls.resource}`);
  const resource = urls.resource;
  return {
    kind: 'ok',
    client,
    request: {
      clientId: client.clientId,
      redirectUri,
      ...(state !== undefined ? { state } : {}),
      codeChallenge: challenge,
      scope: MCP_SCOPE,
      resource,
    },
  };
}

/**
 * The user approved with an API key: checks it (wrong keys are counted per client and address,
 * and refused once the window's allowance is spent) and issues a single-use code.
 */
export async function approveAuthorization(
  request: AuthorizationRequest,
  apiKey: string,
  address: string,
  deps: OAuthDeps,
  urls: ServerUrls,
): Promise<ApprovalResult> {
  // Wrong keys are counted per address, whatever the client: a new self-registered client gets
  // no fresh tries. A right key still gets in while others at the address guess wrong — a key is
  // 256 random bits, so answering it gives a guesser nothing.
  const limit = new AttemptLimit(deps.oauth, deps.clock, 'consent', CONSENT_ATTEMPTS);
  const limitKey = `address:${address}`;
  const blocked = await limit.blockedFor(limitKey);

  const key = apiKey.trim();
  const user = await authenticate(deps.users, key);
  if (!user && blocked > 0) return { kind: 'rate-limited', retryAfterSeconds: blocked };
  if (!user) {
    const { remaining, retryAfterSeconds } = await limit.count(limitKey);
    // The refused request is audited where every refusal is (the HTTP layer), with the address.
    return remaining === 0
      ? { kind: 'rate-limited', retryAfterSeconds }
      : { kind: 'wrong-key', attemptsLeft: remaining };
  }

  const code = issueSecret('code');
  const familyId = randomId();
  await deps.oauth.putCode({
    codeHash: code.hash,
    userName: user.name,
    keyHash: hashApiKey(key),
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    resource: request.resource,
    scope: request.scope,
    familyId,
    expiresAt: epochSeconds(deps.clock) + LIFETIME_SECONDS.code,
  });
  await deps.audit.append({
    type: 'oauth',
    requestId: `oauth-${familyId}`,
    user: user.name,
    outcome: 'consent.granted',
    detail: `client=${request.clientId} redirect=${request.redirectUri} family=${familyId}`,
  });
  return {
    kind: 'redirect',
    location: withQuery(request.redirectUri, {
      code: code.value,
      state: request.state,
      iss: urls.issuer,
    }),
  };
}

/** The user declined: the client hears `access_denied`. */
export function denyAuthorization(request: AuthorizationRequest, urls: ServerUrls): string {
  return withQuery(request.redirectUri, {
    error: 'access_denied',
    error_description: 'the user declined',
    state: request.state,
    iss: urls.issuer,
  });
}
