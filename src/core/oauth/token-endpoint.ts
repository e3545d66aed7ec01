import { sameHash } from '../users/api-key.js';
import { grantUser } from './grant-check.js';
import { OAuthError } from './oauth-error.js';
import { LIFETIME_SECONDS } from './oauth-settings.js';
import { namesResource, type ServerUrls } from './server-urls.js';
import type { OAuthDeps } from './oauth-deps.js';
import type { Grant, OAuthClient } from './oauth-records.js';
import { hashSecret, issueSecret, looksLike, pkceMatches } from './secrets.js';
import { epochSeconds } from '../expiry.js';

/** The client's credentials as the HTTP layer found them (Basic header or form fields). */
export interface ClientCredentials {
  readonly clientId?: string;
  readonly clientSecret?: string;
}

export type TokenForm = Readonly<Record<string, string | undefined>>;

/** RFC 6749 §5.1 */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly scope: string;
}

/** The token endpoint: authorization_code (with PKCE S256) and refresh_token grants. */
export async function tokenRequest(
  form: TokenForm,
  credentials: ClientCredentials,
  deps: OAuthDeps,
  urls: ServerUrls,
): Promise<TokenResponse> {
  const client = await authenticateClient(credentials, deps);
  switch (form['grant_type']) {
    case 'authorization_code':
      return exchangeCode(form, client, deps, urls);
    case 'refresh_token':
      return refresh(form, client, deps, urls);
    case undefined:
      throw new OAuthError('invalid_request', 'grant_type is required');
    default:
      throw new OAuthError(
        'unsupported_grant_type',
        'grant_type must be authorization_code or refresh_token',
      );
  }
}

async function exchangeCode(
  form: TokenForm,
  client: OAuthClient,
  deps: OAuthDeps,
  urls: ServerUrls,
): Promise<TokenResponse> {
  const code = form['code'];
  const verifier = form['code_verifier'];
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
  if (!looksLike('code', code))
    throw new OAuthError(
      'invalid_grant',
      'the authorization code is invalid or expired; start the authorization again',
    );
  const spent = await deps.oauth.spendCode(hashSecret(code));
  if (spent.status === 'missing')
    throw new OAuthError(
      'invalid_grant',
      'the authorization code is invalid or expired; start the authorization again',
    );
  const record = spent.record;
  if (spent.status === 'replayed') {
    // RFC 6749 §4.1.2: a code used twice may be stolen; revoke what the first use issued.
    await revokeFamily(deps, record, 'code.replayed');
    throw new OAuthError(
      'invalid_grant',
      'the authorization code was already used; every token issued from it is now revoked',
    );
  }
  if (record.clientId !== client.clientId)
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
  if (form['redirect_uri'] !== undefined && form['redirect_uri'] !== record.redirectUri)
    throw new OAuthError(
      'invalid_grant',
      'redirect_uri does not match the one in the authorization request',
    );
  if (!pkceMatches(verifier, record.codeChallenge))
    throw new OAuthError(
      'invalid_grant',
      'code_verifier does not match the code_challenge (PKCE S256)',
    );
  if (form['resource'] !== undefined && !namesResource(form['resource'], urls))
    throw new OAuthError('invalid_target', `the code was issued for ${record.resource}`);
  if (record.resource !== urls.resource)
    throw new OAuthError('invalid_target', `this server issues tokens only for ${urls.resource}`);
  if (!(await grantUser(deps.users, record)))
    throw new OAuthError(
      'invalid_grant',
      'the API key used at consent has been revoked; authorize again with a current key',
    );
  return issueTokens(record, deps);
}

async function refresh(
  form: TokenForm,
  client: OAuthClient,
  deps: OAuthDeps,
  urls: ServerUrls,
): Promise<TokenResponse> {
  const token = form['refresh_token'];
  if (!token) throw new OAuthError('invalid_request', 'refresh_token is required');
  const invalid = new OAuthError(
    'invalid_grant',
    'the refresh token is invalid, expired or revoked; authorize again',
  );
  if (!looksLike('refresh', token)) throw invalid;
  const spent = await deps.oauth.spendRefreshToken(hashSecret(token));
  if (spent.status === 'missing') throw invalid;
  const record = spent.record;
  if (record.clientId !== client.clientId)
    throw new OAuthError('invalid_grant', 'the refresh token was issued to another client');
  if (spent.status === 'replayed') {
    // Refresh tokens rotate: an old one coming back means two parties hold the family.
    await revokeFamily(deps, record, 'refresh.replayed');
    throw new OAuthError(
      'invalid_grant',
      'the refresh token was already used; the whole grant is revoked, authorize again',
    );
  }
  if (form['resource'] !== undefined && !namesResource(form['resource'], urls))
    throw new OAuthError('invalid_target', `the grant is for ${record.resource}`);
  if (record.resource !== urls.resource)
    throw new OAuthError('invalid_target', `this server issues tokens only for ${urls.resource}`);
  const [revoked, user] = await Promise.all([
    deps.oauth.isFamilyRevoked(record.familyId),
    grantUser(deps.users, record),
  ]);
  if (revoked) throw invalid;
  if (!user)
    throw new OAuthError(
      'invalid_grant',
      'the API key used at consent has been revoked; authorize again with a current key',
    );
  return issueTokens(record, deps);
}

async function issueTokens(grant: Grant, deps: OAuthDeps): Promise<TokenResponse> {
  const now = epochSeconds(deps.clock);
  const access = issueSecret('access');
  const refreshToken = issueSecret('refresh');
  const base: Grant = {
    userName: grant.userName,
    keyHash: grant.keyHash,
    clientId: grant.clientId,
    resource: grant.resource,
    scope: grant.scope,
    familyId: grant.familyId,
  };
  await Promise.all([
    deps.oauth.putToken({
      ...base,
      tokenHash: access.hash,
      kind: 'access',
      expiresAt: now + LIFETIME_SECONDS.access,
    }),
    deps.oauth.putToken({
      ...base,
      tokenHash: refreshToken.hash,
      kind: 'refresh',
      expiresAt: now + LIFETIME_SECONDS.refresh,
    }),
  ]);
  return {
    access_token: access.value,
    token_type: 'Bearer',
    expires_in: LIFETIME_SECONDS.access,
    refresh_token: refreshToken.value,
    scope: grant.scope,
  };
}

async function revokeFamily(deps: OAuthDeps, grant: Grant, reason: string): Promise<void> {
  await deps.oauth.revokeFamily(
    grant.familyId,
    epochSeconds(deps.clock) + LIFETIME_SECONDS.refresh,
  );
  await deps.audit.append({
    type: 'oauth',
    requestId: `oauth-${grant.familyId}`,
    user: grant.userName,
    outcome: 'grant.revoked',
    detail: `reason=${reason} client=${grant.clientId} family=${grant.familyId}`,
  });
}

/**
 * RFC 7009: revokes an access token, or a refresh token together with its whole grant. Answers
 * the same whether or not the token existed.
 */
export async function revokeToken(
  form: TokenForm,
  credentials: ClientCredentials,
  deps: OAuthDeps,
): Promise<void> {
  const client = await authenticateClient(credentials, deps);
  const token = form['token'];
  if (!token) throw new OAuthError('invalid_request', 'token is required');
  if (!looksLike('access', token) && !looksLike('refresh', token)) return;
  const record = await deps.oauth.getToken(hashSecret(token));
  if (!record || record.clientId !== client.clientId) return;
  if (record.kind === 'refresh') await revokeFamily(deps, record, 'revocation');
  else await deps.oauth.deleteToken(record.tokenHash);
}

/** RFC 6749 §2.3: public clients name themselves; confidential ones prove their secret. */
async function authenticateClient(
  credentials: ClientCredentials,
  deps: OAuthDeps,
): Promise<OAuthClient> {
  if (!credentials.clientId)
    throw new OAuthError(
      'invalid_client',
      'client_id is required (form field, or HTTP Basic for confidential clients)',
    );
  let client: OAuthClient | undefined;
  try {
    client = await deps.clients.find(credentials.clientId);
  } catch (error) {
    if (error instanceof OAuthError) throw new OAuthError('invalid_client', error.message);
    throw error;
  }
  if (!client) throw new OAuthError('invalid_client', 'unknown client; register again');
  if (client.tokenEndpointAuthMethod === 'none') return client;
  const secret = credentials.clientSecret;
  if (!secret || !client.secretHash || !sameHash(client.secretHash, hashSecret(secret)))
    throw new OAuthError(
      'invalid_client',
      'client authentication failed: wrong or missing client_secret',
    );
  return client;
}
