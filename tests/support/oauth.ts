import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { freePort } from './ssh-fleet.js';
import { initializeRequest, mcpPost } from './mcp-client.js';

/**
 * What a real MCP client keeps between runs, in memory: the SDK drives discovery, registration
 * and the token exchange through it; the test plays the user's browser at `authorizationUrl`.
 */
export class MemoryOAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = '';
  readonly expectedState = randomBytes(8).toString('hex');

  constructor(
    readonly redirectUrl: string,
    private readonly name = 'smg e2e client',
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    return this.expectedState;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** A loopback page for redirect URIs to land on; remembers every URL it was sent to. */
export async function startCallbackServer(): Promise<{
  url: string;
  hits: URL[];
  close(): Promise<void>;
}> {
  const port = await freePort();
  const hits: URL[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(new URL(req.url ?? '/', `http://127.0.0.1:${port}`));
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>You can close this window.</p>');
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/callback`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A raw OAuth client for the negative paths the SDK would never take. */
export class RawOAuthClient {
  clientId = '';
  constructor(
    readonly base: string,
    readonly redirectUri: string,
  ) {}

  async register(metadata: Record<string, unknown> = {}): Promise<Response> {
    const res = await fetch(`${this.base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'raw client',
        redirect_uris: [this.redirectUri],
        token_endpoint_auth_method: 'none',
        ...metadata,
      }),
    });
    if (res.status === 201)
      this.clientId = ((await res.clone().json()) as { client_id: string }).client_id;
    return res;
  }

  authorizeParams(
    pkce: { challenge: string },
    extra: Record<string, string> = {},
  ): Record<string, string> {
    return {
      response_type: 'code',
      client_id: this.clientId,
      redirect_uri: this.redirectUri,
      state: 'st-1',
      code_challenge: pkce.challenge,
      code_challenge_method: 'S256',
      resource: `${this.base}/mcp`,
      ...extra,
    };
  }

  /**
   * Submits the consent form as a browser would: loads the page (its cookie and CSRF token),
   * then posts it; answers the response without following redirects.
   */
  async consent(
    params: Record<string, string>,
    apiKey: string,
    decision = 'approve',
  ): Promise<Response> {
    const shown = await fetch(`${this.base}/authorize?${new URLSearchParams(params).toString()}`, {
      redirect: 'manual',
    });
    const html = await shown.text();
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
    const cookie = shown.headers.get('set-cookie')?.split(';')[0];
    return fetch(`${this.base}/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams({
        ...params,
        api_key: apiKey,
        decision,
        ...(csrf ? { csrf_token: csrf } : {}),
      }),
    });
  }

  /** A fresh code for `apiKey` (with its PKCE verifier). */
  async code(
    apiKey: string,
    extra: Record<string, string> = {},
  ): Promise<{ code: string; verifier: string }> {
    const pkce = pkcePair();
    const res = await this.consent(this.authorizeParams(pkce, extra), apiKey);
    const location = res.headers.get('location');
    const code = location ? new URL(location).searchParams.get('code') : null;
    if (!code) throw new Error(`consent gave no code (HTTP ${res.status}, location ${location})`);
    return { code, verifier: pkce.verifier };
  }

  token(form: Record<string, string>): Promise<Response> {
    return fetch(`${this.base}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: this.clientId, ...form }),
    });
  }

  exchange(code: string, verifier: string, extra: Record<string, string> = {}): Promise<Response> {
    return this.token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: this.redirectUri,
      resource: `${this.base}/mcp`,
      ...extra,
    });
  }

  async tokens(apiKey: string): Promise<{ access_token: string; refresh_token: string }> {
    const { code, verifier } = await this.code(apiKey);
    const res = await this.exchange(code, verifier);
    if (res.status !== 200)
      throw new Error(`token exchange failed: ${res.status} ${await res.text()}`);
    return (await res.json()) as { access_token: string; refresh_token: string };
  }

  refresh(refreshToken: string): Promise<Response> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }
}

/** Status of an MCP initialize sent with this bearer token. */
export async function mcpStatus(mcpUrl: string, bearer: string): Promise<number> {
  const res = await mcpPost(mcpUrl, initializeRequest(), { authorization: `Bearer ${bearer}` });
  await res.body?.cancel();
  return res.status;
}
