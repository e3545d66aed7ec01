import { AppError } from '../errors.js';

/** Error codes of RFC 6749 §4.1.2.1/§5.2, RFC 7591 §3.2.2 and RFC 8707 §2. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'access_denied'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'temporarily_unavailable';

/**
 * A refusal the client is told about in OAuth's own vocabulary; `message` becomes the
 * `error_description`, so it is public and says what to do next.
 */
export class OAuthError extends AppError {
  override readonly name = 'OAuthError';
  constructor(
    readonly error: OAuthErrorCode,
    message: string,
    readonly status: 400 | 401 | 429 = error === 'invalid_client' ? 401 : 400,
  ) {
    super(error === 'invalid_client' ? 'UNAUTHORIZED' : 'INVALID_INPUT', message);
  }
}
