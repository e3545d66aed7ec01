/** How a client proves itself at the token endpoint. */
export const TOKEN_AUTH_METHODS = ['none', 'client_secret_post', 'client_secret_basic'] as const;
export type TokenAuthMethod = (typeof TOKEN_AUTH_METHODS)[number];

/** A client that may ask users for consent: registered here (RFC 7591) or described by a URL it owns. */
export interface OAuthClient {
  readonly clientId: string;
  readonly clientName?: string;
  readonly clientUri?: string;
  /** Exact strings; an authorization request's redirect_uri must equal one of them. */
  readonly redirectUris: readonly string[];
  readonly tokenEndpointAuthMethod: TokenAuthMethod;
  /** SHA-256 of the client secret, for confidential clients. */
  readonly secretHash?: string;
  readonly source: 'registration' | 'metadata-document';
  readonly createdAt: string;
}

/** What a consent binds together; carried by codes and by every token derived from them. */
export interface Grant {
  readonly userName: string;
  /** The API key the user typed at consent: deleting it revokes everything derived from it. */
  readonly keyHash: string;
  readonly clientId: string;
  /** The MCP resource URL (audience) the tokens are good for. */
  readonly resource: string;
  readonly scope: string;
  /** One family per consent: codes, access and refresh tokens; revoked together. */
  readonly familyId: string;
}

/** A single-use authorization code (stored by hash). */
export interface AuthorizationCodeRecord extends Grant {
  readonly codeHash: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface TokenRecord extends Grant {
  readonly tokenHash: string;
  readonly kind: 'access' | 'refresh';
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** The outcome of spending a single-use item: spent now, spent before (a replay), or unknown. */
export type SpendResult<T> =
  | { readonly status: 'spent'; readonly record: T }
  | { readonly status: 'replayed'; readonly record: T }
  | { readonly status: 'missing' };
