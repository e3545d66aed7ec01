/** @jsxImportSource hono/jsx */
import { reachesThisComputer } from '../../core/oauth/redirect-uri.js';
import type { FC, PropsWithChildren } from 'hono/jsx';
import type { AuthorizationRequest } from '../../core/oauth/authorize.js';
import type { OAuthClient } from '../../core/oauth/oauth-records.js';

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.4rem}.box{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}
code{word-break:break-all;background:#f3f3f3;padding:0 .2rem}.warn{color:#8a4b00}.error{color:#b00020;font-weight:600}
label{display:block;margin:1rem 0 .3rem;font-weight:600}input[type=password],input[type=text]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
.actions{margin-top:1rem;display:flex;gap:.5rem}button{font:inherit;padding:.5rem 1.2rem;border-radius:6px;border:1px solid #888;cursor:pointer}
button.approve{background:#0b57d0;color:#fff;border-color:#0b57d0}`;

export const Layout: FC<PropsWithChildren<{ title: string; nonce: string }>> = ({
  title,
  nonce,
  children,
}) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="same-origin" />
      <title>{title}</title>
      <style nonce={nonce}>{STYLE}</style>
    </head>
    <body>{children}</body>
  </html>
);

export interface ConsentPageProps {
  readonly nonce: string;
  readonly client: OAuthClient;
  readonly request: AuthorizationRequest;
  /** The form's CSRF token (consent-csrf.ts). */
  readonly csrf: string;
  /** Shown above the form after a refused attempt. */
  readonly error?: string;
}

/** Every value is rendered through JSX, which escapes it; nothing is injected as raw HTML. */
export const ConsentPage: FC<ConsentPageProps> = ({ nonce, client, request, csrf, error }) => {
  const name = client.clientName ?? 'An MCP client';
  const redirect = new URL(request.redirectUri);
  const destination =
    redirect.protocol === 'http:' || redirect.protocol === 'https:'
      ? redirect.host
      : `${redirect.protocol}//`;
  return (
    <Layout title={`Connect ${name} to ssh-mcp-gateway`} nonce={nonce}>
      <h1>
        Connect <span id="client-name">{name}</span> to ssh-mcp-gateway
      </h1>
      <p>
        It will be able to use this gateway's tools as you: see your hosts and run commands your
        role and policy allow.
      </p>
      <div class="box">
        <div>
          Client: <code id="client-id">{client.clientId}</code>
        </div>
        {client.source === 'registration' ? (
          <div class="warn">
            This client registered itself; its name is what it says it is, not verified.
          </div>
        ) : (
          <div>Its description was published at that address.</div>
        )}
        <div>
          After you approve, your browser is sent to{' '}
          <strong id="redirect-host">{destination}</strong>:
          <br />
          <code id="redirect-uri">{request.redirectUri}</code>
        </div>
        {reachesThisComputer(redirect) ? (
          <div class="warn" id="loopback-warning">
            The sign-in goes to your own computer (an app or a local address): any program running
            there could receive it. Approve only if you just started this from an app you trust.
          </div>
        ) : null}
      </div>
      {error ? (
        <p class="error" id="error" role="alert">
          {error}
        </p>
      ) : null}
      <form method="post" action="/authorize">
        <input type="hidden" name="response_type" value="code" />
        <input type="hidden" name="client_id" value={request.clientId} />
        <input type="hidden" name="redirect_uri" value={request.redirectUri} />
        {request.state !== undefined ? (
          <input type="hidden" name="state" value={request.state} />
        ) : null}
        <input type="hidden" name="code_challenge" value={request.codeChallenge} />
        <input type="hidden" name="code_challenge_method" value="S256" />
        <input type="hidden" name="resource" value={request.resource} />
        <input type="hidden" name="csrf_token" value={csrf} />
        <label for="api_key">Your API key</label>
        <input
          id="api_key"
          name="api_key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="smg_…"
          required
        />
        <div class="actions">
          <button class="approve" type="submit" name="decision" value="approve">
            Approve
          </button>
          <button type="submit" name="decision" value="deny" formnovalidate>
            Deny
          </button>
        </div>
      </form>
      <p>
        The key is checked once and is not given to the client; it receives its own tokens, which
        stop working when this key is revoked.
      </p>
    </Layout>
  );
};

/** A request that cannot be sent back to its client: the user reads why, and nothing redirects. */
export const ErrorPage: FC<{ nonce: string; title: string; message: string }> = ({
  nonce,
  title,
  message,
}) => (
  <Layout title={title} nonce={nonce}>
    <h1>{title}</h1>
    <p class="error" id="error" role="alert">
      {message}
    </p>
  </Layout>
);
