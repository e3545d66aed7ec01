import { z } from 'zod';
import type { Clock } from '../ports.js';
import { OAuthError } from './oauth-error.js';
import { TOKEN_AUTH_METHODS, type OAuthClient, type TokenAuthMethod } from './oauth-records.js';
import { redirectUriProblem } from './redirect-uri.js';
import { issueSecret, randomId } from './secrets.js';
import { epochSeconds } from '../expiry.js';

const redirectUris = z
  .array(z.string().max(2000))
  .min(1, 'redirect_uris needs at least one URI')
  .max(10, 'at most 10 redirect_uris')
  .superRefine((uris, ctx) => {
    for (const uri of uris) {
      const problem = redirectUriProblem(uri);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  });

const httpsUrl = z
  .string()
  .max(2000)
  .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'must be an https URL');

/** RFC 7591 §2 client metadata, as far as this server uses it; other fields are ignored. */
const registrationRequest = z.object({
  redirect_uris: redirectUris,
  client_name: z.string().max(200).optional(),
  client_uri: httpsUrl.optional(),
  token_endpoint_auth_method: z
    .enum(TOKEN_AUTH_METHODS, {
      error: `token_endpoint_auth_method must be one of ${TOKEN_AUTH_METHODS.join(', ')}`,
    })
    .optional(),
  grant_types: z
    .array(z.string())
    .refine(
      (g) => g.every((t) => t === 'authorization_code' || t === 'refresh_token'),
      'grant_types may only be authorization_code and refresh_token',
    )
    .optional(),
  response_types: z
    .array(z.string())
    .refine((r) => r.every((t) => t === 'code'), 'response_types may only be code')
    .optional(),
  scope: z.string().max(1000).optional(),
});

/** A client ID metadata document: the registration fields plus its own URL as client_id. */
const metadataDocument = registrationRequest.extend({
  client_id: z.string(),
  // Required of a document (2026-07-28 client registration): the consent page shows it.
  client_name: z.string({ error: 'is required: the consent page shows it' }).min(1).max(200),
  token_endpoint_auth_method: z
    .literal('none', {
      error: 'a metadata-document client is public: token_endpoint_auth_method must be "none"',
    })
    .optional(),
});

function problems(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export interface RegisteredClient {
  readonly client: OAuthClient;
  /** RFC 7591 §3.2.1 response body; holds the client secret, shown this once. */
  readonly response: Record<string, unknown>;
}

/** Dynamic client registration (RFC 7591): validates the metadata and creates the client. */
export function registerClient(body: unknown, clock: Clock): RegisteredClient {
  const parsed = registrationRequest.safeParse(body);
  if (!parsed.success) {
    const redirect = parsed.error.issues.some((i) => i.path[0] === 'redirect_uris');
    throw new OAuthError(
      redirect ? 'invalid_redirect_uri' : 'invalid_client_metadata',
      problems(parsed.error),
    );
  }
  const input = parsed.data;
  // RFC 7591 §2: without a stated method the default is client_secret_basic.
  const method: TokenAuthMethod = input.token_endpoint_auth_method ?? 'client_secret_basic';
  const secret = method === 'none' ? undefined : issueSecret('clientSecret');
  const now = clock.now();
  const client: OAuthClient = {
    clientId: `smc_${randomId()}`,
    ...(input.client_name !== undefined ? { clientName: input.client_name } : {}),
    ...(input.client_uri !== undefined ? { clientUri: input.client_uri } : {}),
    redirectUris: input.redirect_uris,
    tokenEndpointAuthMethod: method,
    ...(secret ? { secretHash: secret.hash } : {}),
    source: 'registration',
    createdAt: now.toISOString(),
  };
  const response: Record<string, unknown> = {
    client_id: client.clientId,
    client_id_issued_at: epochSeconds(now),
    ...(secret ? { client_secret: secret.value, client_secret_expires_at: 0 } : {}),
    redirect_uris: client.redirectUris,
    token_endpoint_auth_method: method,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    ...(input.client_name !== undefined ? { client_name: input.client_name } : {}),
    ...(input.client_uri !== undefined ? { client_uri: input.client_uri } : {}),
  };
  return { client, response };
}

/**
 * A client from its metadata document (draft-ietf-oauth-client-id-metadata-document): the
 * document must name its own URL as client_id and be a public client.
 */
export function clientFromMetadataDocument(
  url: string,
  document: unknown,
  clock: Clock,
): OAuthClient {
  const parsed = metadataDocument.safeParse(document);
  if (!parsed.success)
    throw new OAuthError(
      'invalid_client',
      `the client metadata document at ${url} is invalid: ${problems(parsed.error)}`,
    );
  if (parsed.data.client_id !== url)
    throw new OAuthError(
      'invalid_client',
      `the client metadata document at ${url} names another client_id ("${parsed.data.client_id.slice(0, 200)}")`,
    );
  return {
    clientId: url,
    clientName: parsed.data.client_name,
    ...(parsed.data.client_uri !== undefined ? { clientUri: parsed.data.client_uri } : {}),
    redirectUris: parsed.data.redirect_uris,
    tokenEndpointAuthMethod: 'none',
    source: 'metadata-document',
    createdAt: clock.now().toISOString(),
  };
}
