import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { requestId, type RequestIdVariables } from 'hono/request-id';
import type { CoreDeps } from '../core/deps.js';
import { AppError, INTERNAL_MESSAGE, logDetail } from '../core/errors.js';
import { checkApiKey } from '../core/users/user-admin.js';
import { mcpHttpEndpoint } from '../mcp/http-endpoint.js';
import type { KeySource } from '../core/ports.js';
import { authenticateAccessToken, isAccessToken } from '../core/oauth/access-token.js';
import type { OAuthDeps } from '../core/oauth/oauth-deps.js';
import type { ServerUrls } from '../core/oauth/server-urls.js';
import { bearerAuth, type AuthVariables } from './middleware/auth/index.js';
import { oauthRoutes } from './oauth/oauth-routes.js';
import { approvalRoutes } from './approvals/approval-routes.js';
import { resourceMetadataUrl } from './oauth/server-metadata.js';
import { hostOrigin } from './middleware/host-origin/index.js';
import { auditRefusals } from './middleware/audit-refusals/index.js';
import { filterFromQuery } from '../mcp/tool-filter.js';

export interface AppOptions {
  /** Host header values served (`host:port`); `*` behind a front door that checks Host itself. */
  readonly allowedHosts: readonly string[];
  readonly maxBodyBytes?: number;
  /**
   * The authorization server (Claude.ai, ChatGPT and other URL-only clients sign in through it).
   * Without it the gateway is key-only: it advertises no OAuth discovery, so clients that send a
   * configured header (Cursor, VS Code, Claude Code) keep sending it.
   */
  readonly oauth?: OAuthDeps;
  /** `https://gateway.example.com` when the request URL does not show how clients reach us (a proxy). */
  readonly publicUrl?: string;
  /** The caller's network address (wrong-key and registration counters); `unknown` when not given. */
  readonly clientAddress?: (c: Context) => string;
  /**
   * The key sealing the state of calls held for approval between MCP rounds: one key for every
   * process of a deployment (a file in the data dir locally, a secret on AWS).
   */
  readonly requestStateKey: KeySource;
  /**
   * When work in this process stops for this request (a Lambda invocation's end), epoch ms;
   * absent on a server, where work goes on after the answer.
   */
  readonly runUntil?: (c: Context) => number | undefined;
}

const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * The gateway's HTTP surface: `POST /mcp` (stateless Streamable HTTP, JSON responses, one MCP
 * server per request), `/healthz`, and with `oauth` the authorization server. The same app runs on
 * Node and on Lambda.
 */
export type GatewayApp = Hono<{ Variables: AuthVariables & RequestIdVariables }>;

export function createApp(deps: CoreDeps, options: AppOptions): GatewayApp {
  const app: GatewayApp = new Hono();
  const urls = serverUrls(options.publicUrl);
  const clientAddress = options.clientAddress ?? (() => 'unknown');

  answerErrors(app, deps);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  // The gateway's own id, never the client's X-Request-Id: audit records, jobs and history are
  // correlated by it, so a caller must not be able to pick one (or reuse another's).
  app.use('*', requestId({ headerName: '' }), async (c, next) => {
    await next();
    // Set on the final answer, error responses included.
    c.res.headers.set('x-request-id', c.var.requestId);
  });
  app.use(
    '*',
    auditRefusals({
      record: (event) => deps.audit.append(event),
      clientAddress,
      logger: deps.logger,
      clock: deps.clock,
    }),
  );
  guardMcp(app, deps, options, urls);
  if (options.oauth)
    app.route(
      '/',
      oauthRoutes(options.oauth, { urls, allowedHosts: options.allowedHosts, clientAddress }),
    );
  // The approver's page, on every app (the key-only one too): people decide in a browser.
  app.use('/approvals/*', bodyLimit({ maxSize: 64 * 1024 }));
  app.route(
    '/',
    approvalRoutes(deps, {
      allowedHosts: options.allowedHosts,
      clientAddress,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
    }),
  );
  serveMcp(app, deps, options, urls);
  return app;
}

/** Errors as JSON that says what happened: a refusal as it was made, the fleet unusable as 503. */
function answerErrors(app: GatewayApp, deps: CoreDeps): void {
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      if (error.res) return error.getResponse();
      return c.json(
        { error: error.status === 403 ? 'forbidden' : 'error', message: error.message },
        error.status,
      );
    }
    // The fleet (a secret on AWS) cannot be loaded: the service is unavailable, and says why.
    if (error instanceof AppError && error.code === 'CONFIG_INVALID')
      return c.json({ error: 'unavailable', message: error.message }, 503);
    deps.logger.error('unhandled request error', { path: c.req.path, error: logDetail(error) });
    return c.json({ error: 'internal', message: INTERNAL_MESSAGE }, 500);
  });
  app.notFound((c) =>
    c.json({ error: 'not_found', message: 'the MCP endpoint is POST /mcp' }, 404),
  );
}

/**
 * What a request to /mcp passes before any MCP: an allowed Host (and Origin), POST only, a
 * bounded body, and a credential — an API key, or with OAuth an access token for this resource.
 */
function guardMcp(
  app: GatewayApp,
  deps: CoreDeps,
  options: AppOptions,
  urls: (c: Context) => ServerUrls,
): void {
  app.use('/mcp', hostOrigin({ allowedHosts: options.allowedHosts }));
  app.on(['GET', 'DELETE'], '/mcp', (c) =>
    c.json(
      {
        error: 'method_not_allowed',
        message: 'this server is stateless: send JSON-RPC with POST /mcp',
      },
      405,
      { allow: 'POST' },
    ),
  );
  const maxSize = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  app.use(
    '/mcp',
    bodyLimit({
      maxSize,
      onError: (c) =>
        c.json(
          { error: 'payload_too_large', message: `request bodies are limited to ${maxSize} bytes` },
          413,
          // The rest of the body is never read: the connection cannot carry another request.
          { connection: 'close' },
        ),
    }),
  );
  const oauth = options.oauth;
  app.use(
    '/mcp',
    bearerAuth({
      authenticate: async (token, c) => {
        if (!isAccessToken(token)) return checkApiKey(deps.users, token);
        if (!oauth)
          return { refused: 'an OAuth access token, but this gateway takes API keys only' };
        const check = await authenticateAccessToken(token, urls(c).resource, oauth);
        return check.ok ? { user: check.user } : { refused: check.reason };
      },
      ...(oauth ? { resourceMetadataUrl: (c: Context) => resourceMetadataUrl(urls(c)) } : {}),
    }),
  );
}

/** POST /mcp: the authenticated caller, the fleet as of now, and the tools the URL narrows to. */
function serveMcp(
  app: GatewayApp,
  deps: CoreDeps,
  options: AppOptions,
  urls: (c: Context) => ServerUrls,
): void {
  const mcp = mcpHttpEndpoint(deps, { requestStateKey: options.requestStateKey });
  app.post('/mcp', async (c) => {
    // The client's own narrowing of the tool list, from the URL it was given.
    const filter = filterFromQuery(new URL(c.req.url).searchParams);
    if ('error' in filter) return c.json({ error: 'invalid_request', message: filter.error }, 400);
    const runUntil = options.runUntil?.(c);
    return mcp.fetch(c.req.raw, {
      user: c.var.user,
      requestId: c.var.requestId,
      fleet: await deps.fleet.current(),
      origin: urls(c).issuer,
      filter,
      ...(runUntil === undefined ? {} : { runUntil }),
    });
  });
}

/** The issuer is the origin clients reach us at; the MCP resource is `/mcp` under it. */
function serverUrls(publicUrl: string | undefined): (c: Context) => ServerUrls {
  if (publicUrl) {
    const origin = new URL(publicUrl).origin;
    const fixed = { issuer: origin, resource: `${origin}/mcp` };
    return () => fixed;
  }
  // The Host header, which hostOrigin has checked against the allowed hosts — never the request
  // line, which may be absolute-form (`GET http://evil.example/… HTTP/1.1`) with a good Host.
  return (c) => {
    const url = new URL(c.req.url);
    // Normalised (host in lower case, no default port), as a client's resource is compared.
    const host = c.req.header('host') ?? url.host;
    if (!URL.canParse(`${url.protocol}//${host}`))
      throw new HTTPException(400, {
        message: `the Host header "${host.slice(0, 100)}" is not a host name`,
      });
    const origin = new URL(`${url.protocol}//${host}`).origin;
    return { issuer: origin, resource: `${origin}/mcp` };
  };
}
