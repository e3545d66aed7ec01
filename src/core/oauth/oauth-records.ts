import { z } from 'zod';

/** How a client proves itself at the token endpoint. */
export const TOKEN_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];

/** A client that may ask users for consent: registered here (RFC 7591) or described by a URL it owns. */
export const oauthClientSchema = z.object({
  clientId: z.string(),
  clientName: z.string().optional(),
  clientUri: z.string().optional(),
  /** Exact strings; an authorization request's redirect_uri must equal one of them. */
  redirectUris: z.array(z.string()),
  tokenEndpointAuthMethod: z.enum(TOKEN_AUTH_METHODS),
  /** SHA-256 of the client secret, for confidential clients. */
  secretHash: z.string().optional(),
  source: z.enum(['registration', 'metadata-document']),
  createdAt: z.string(),
});
export type OAuthClient = Readonly<
  Omit<z.infer<typeof oauthClientSchema>, 'redirectUris'> & {
    readonly redirectUris: readonly string[];
  }
>;

/** What a consent binds together; carried by codes and by every token derived from them. */
export const grantSchema = z.object({
  userName: z.string(),
  /** The API key the user typed at consent: deleting it revokes everything derived from it. */
  keyHash: z.string(),
  clientId: z.string(),
  /** The MCP resource URL (audience) the tokens are good for. */
  resource: z.string(),
  scope: z.string(),
  /** One family per consent: codes, access and refresh tokens; revoked together. */
  familyId: z.string(),
});
export type Grant = Readonly<z.infer<typeof grantSchema>>;

/** A single-use authorization code (stored by hash). */
export const authorizationCodeSchema = grantSchema.extend({
  codeHash: z.string(),
  redirectUri: z.string(),
  codeChallenge: z.string(),
  /** Epoch seconds. */
  expiresAt: z.number(),
});
export type AuthorizationCodeRecord = Readonly<z.infer<typeof authorizationCodeSchema>>;

export const tokenRecordSchema = grantSchema.extend({
  tokenHash: z.string(),
  kind: z.enum(['access', 'refresh']),
  /** Epoch seconds. */
  expiresAt: z.number(),
});
export type TokenRecord = Readonly<z.infer<typeof tokenRecordSchema>>;

/** The outcome of spending a single-use item: spent now, spent before (a replay), or unknown. */
export type SpendResult<T> =
  | { readonly status: 'spent'; readonly record: T }
  | { readonly status: 'replayed'; readonly record: T }
  | { readonly status: 'missing' };
