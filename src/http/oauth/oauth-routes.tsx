/** @jsxImportSource hono/jsx */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import {
  approveAuthorization,
  checkAuthorizationRequest,
  denyAuthorization,
  type AuthorizationParams,
  type AuthorizationRequest,
} from '../../core/oauth/authorize.js';
import { registerNewClient } from '../../core/oauth/client-registration.js';
import { OAuthError } from '../../core/oauth/oauth-error.js';
import type { OAuthDeps } from '../../core/oauth/oauth-deps.js';
import type { ServerUrls } from '../../core/oauth/server-urls.js';
import type { OAuthClient } from '../../core/oauth/oauth-records.js';
import {
  revokeToken,
  tokenRequest,
  type ClientCredentials,
} from '../../core/oauth/token-endpoint.js';
import { hostOrigin } from '../middleware/host-origin/index.js';
import { securityHeaders } from '../page-headers.js';
import type { RefusalVariables } from '../middleware/audit-refusals/index.js';
import { ConsentPage, ErrorPage } from './consent-page.js';
import { consentTokenValid, issueConsentToken } from './consent-csrf.js';
import {
  OAUTH_PATHS,
  authorizationServerMetadata,
  protectedResourceMetadata,
} from './server-metadata.js';

export interface OAuthRouteOptions {
  /** The issuer and MCP resource URL as this request's client sees them. */
  readonly urls: (c: Context) => ServerUrls;
  /** The caller's network address, for counting wrong keys and registrations. */
  readonly clientAddress: (c: Context) => string;
  readonly allowedHosts: readonly string[];
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

type OAuthApp = Hono<{ Variables: RefusalVariables }>;

/**
 * The authorization server: metadata (RFC 9728, RFC 8414), registration (RFC 7591), the consent
 * page that takes the user's API key, the token endpoint and revocation (RFC 7009).
 */
export function oauthRoutes(deps: OAuthDeps, options: OAuthRouteOptions): OAuthApp {
  const app: OAuthApp = new Hono();
  guardEndpoints(app, options);
  const resourceMetadata = (c: Context) => c.json(protectedResourceMetadata(options.urls(c)));
  app.get(OAUTH_PATHS.protectedResource, resourceMetadata);
  app.get(`${OAUTH_PATHS.protectedResource}/mcp`, resourceMetadata);
  app.get(OAUTH_PATHS.authorizationServer, (c) =>
    c.json(authorizationServerMetadata(options.urls(c))),
  );
  app.post(OAUTH_PATHS.register, async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return oauthErrorResponse(
        c,
        new OAuthError('invalid_client_metadata', 'send the client metadata as a JSON object'),
      );
    }
    return answerOAuth(c, async () =>
      c.json(await registerNewClient(body, options.clientAddress(c), deps), 201, NO_STORE),
    );
  });
  consentRoutes(app, deps, options);
  app.post(OAUTH_PATHS.token, async (c) => {
    const form = await formParams(c);
    return answerOAuth(c, async () => {
      const tokens = await tokenRequest(form, clientCredentials(c, form), deps, options.urls(c));
      return c.json(tokens, 200, NO_STORE);
    });
  });
  app.post(OAUTH_PATHS.revoke, async (c) => {
    const form = await formParams(c);
    return answerOAuth(c, async () => {
      await revokeToken(form, clientCredentials(c, form), deps);
      return c.body(null, 200, NO_STORE);
    });
  });
  return app;
}

/**
 * Machine endpoints take calls from other origins (clients, browser-based ones such as the
 * Inspector) with CORS; the consent form posts back to its own origin only.
 */
function guardEndpoints(app: OAuthApp, options: OAuthRouteOptions): void {
  const machine = [
    hostOrigin({ allowedHosts: options.allowedHosts, checkOrigin: false }),
    cors({
      origin: '*',
      allowHeaders: ['authorization', 'content-type', 'mcp-protocol-version'],
      maxAge: 600,
    }),
  ];
  for (const path of [
    `${OAUTH_PATHS.protectedResource}/*`,
    OAUTH_PATHS.protectedResource,
    OAUTH_PATHS.authorizationServer,
    OAUTH_PATHS.token,
    OAUTH_PATHS.register,
    OAUTH_PATHS.revoke,
  ]) {
    app.use(path, ...machine);
  }
  app.use(OAUTH_PATHS.authorize, hostOrigin({ allowedHosts: options.allowedHosts }));
}

/** An OAuth endpoint's answer: its own, or the RFC 6749 error it threw. */
async function answerOAuth(c: Context, answer: () => Promise<Response>): Promise<Response> {
  try {
    return await answer();
  } catch (error) {
    if (error instanceof OAuthError) return oauthErrorResponse(c, error);
    throw error;
  }
}

/**
 * The consent page: shown for a valid authorization request (GET), and its form (POST) — checked
 * as ours, then the API key typed into it approves, or the person denies; wrong keys are counted.
 */
function consentRoutes(app: OAuthApp, deps: OAuthDeps, options: OAuthRouteOptions): void {
  const secure = (c: Context) => options.urls(c).issuer.startsWith('https:');
  const consentPage = (
    c: Context,
    status: 200 | 401 | 429,
    request: AuthorizationRequest,
    client: OAuthClient,
    error?: string,
  ) => page(c, status, request, client, issueConsentToken(c, request, secure(c)), error);
  const authorizePage = async (
    c: Context<{ Variables: RefusalVariables }>,
    params: AuthorizationParams,
    onValid: (request: AuthorizationRequest, client: OAuthClient) => Promise<Response>,
  ): Promise<Response> => {
    const checked = await checkAuthorizationRequest(params, deps, options.urls(c));
    if (checked.kind === 'fatal')
      return errorPage(c, 400, 'This authorization request cannot be completed', checked.message);
    return onValid(checked.request, checked.client);
  };

  app.get(OAUTH_PATHS.authorize, async (c) =>
    authorizePage(c, c.req.query(), async (request, client) =>
      consentPage(c, 200, request, client),
    ),
  );
  app.post(OAUTH_PATHS.authorize, async (c) => {
    const params = await formParams(c);
    return authorizePage(c, params, async (request, client) => {
      // A sandboxed or privacy-stripped page posts with Origin: null; the form is ours alone.
      if (c.req.header('origin') === 'null' || !consentTokenValid(c, request, params['csrf_token']))
        return errorPage(
          c,
          403,
          'This form did not come from this page',
          'The consent form was sent from elsewhere, or it expired. Start again from your MCP client.',
        );
      const urls = options.urls(c);
      if (params['decision'] === 'deny') return redirect(c, denyAuthorization(request, urls));
      const result = await approveAuthorization(
        request,
        params['api_key'] ?? '',
        options.clientAddress(c),
        deps,
        urls,
      );
      if (result.kind !== 'redirect')
        c.set('refusal', `consent: ${result.kind} (client ${request.clientId})`);
      switch (result.kind) {
        case 'redirect':
          return redirect(c, result.location);
        case 'wrong-key':
          return consentPage(
            c,
            401,
            request,
            client,
            `That API key was not accepted. ${result.attemptsLeft} more attempt${result.attemptsLeft === 1 ? '' : 's'} before this page pauses.`,
          );
        case 'rate-limited':
          c.header('retry-after', String(result.retryAfterSeconds));
          return consentPage(
            c,
            429,
            request,
            client,
            `Too many wrong keys from this address. Try again in ${Math.ceil(result.retryAfterSeconds / 60)} minute(s), or ask an admin for your key.`,
          );
      }
    });
  });
}

/** Where the consent form may send the browser: our origin and the client's redirect target. */
function redirectSource(uri: string): string {
  const url = new URL(uri);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
}

function page(
  c: Context,
  status: 200 | 401 | 429,
  request: AuthorizationRequest,
  client: OAuthClient,
  csrf: string,
  error?: string,
): Response | Promise<Response> {
  const nonce = randomBytes(16).toString('base64');
  securityHeaders(c, nonce, redirectSource(request.redirectUri));
  return c.html(
    <ConsentPage
      nonce={nonce}
      client={client}
      request={request}
      csrf={csrf}
      {...(error ? { error } : {})}
    />,
    status,
  );
}

function errorPage(
  c: Context<{ Variables: RefusalVariables }>,
  status: 400 | 403,
  title: string,
  message: string,
): Response | Promise<Response> {
  c.set('refusal', title);
  const nonce = randomBytes(16).toString('base64');
  securityHeaders(c, nonce);
  return c.html(<ErrorPage nonce={nonce} title={title} message={message} />, status);
}

function redirect(c: Context, location: string): Response {
  c.header('cache-control', 'no-store');
  return c.redirect(location, 302);
}

function oauthErrorResponse(c: Context, error: OAuthError): Response {
  const headers: Record<string, string> = { ...NO_STORE };
  if (error.status === 401 && c.req.header('authorization')?.toLowerCase().startsWith('basic '))
    headers['www-authenticate'] = 'Basic realm="ssh-mcp-gateway"';
  return c.json({ error: error.error, error_description: error.message }, error.status, headers);
}

/** Form fields as strings (urlencoded or multipart); files and repeated fields are ignored. */
async function formParams(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.includes('application/x-www-form-urlencoded') && !type.includes('multipart/form-data'))
    return {};
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(body))
    if (typeof value === 'string') out[name] = value;
  return out;
}

/** RFC 6749 §2.3.1: HTTP Basic (form-urlencoded id and secret) or client_id/client_secret fields. */
function clientCredentials(c: Context, form: Record<string, string>): ClientCredentials {
  const header = c.req.header('authorization');
  const basic = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        return {
          clientId: decodeURIComponent(decoded.slice(0, colon)),
          clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
        };
      } catch {
        return {};
      }
    }
  }
  return {
    ...(form['client_id'] ? { clientId: form['client_id'] } : {}),
    ...(form['client_secret'] ? { clientSecret: form['client_secret'] } : {}),
  };
}
