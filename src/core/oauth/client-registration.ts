import { AttemptLimit } from './attempt-limit.js';
import { registerClient } from './client-metadata.js';
import type { OAuthDeps } from './oauth-deps.js';
import { OAuthError } from './oauth-error.js';
import { REGISTRATION_ATTEMPTS } from './oauth-settings.js';

/**
 * POST /register: a bounded number of registrations per address and window (registration is
 * open to anyone), then the client is validated and stored. Answers the RFC 7591 response.
 */
export async function registerNewClient(
  body: unknown,
  address: string,
  deps: OAuthDeps,
): Promise<Record<string, unknown>> {
  const limit = new AttemptLimit(deps.oauth, deps.clock, 'register', REGISTRATION_ATTEMPTS);
  if ((await limit.blockedFor(address)) > 0)
    throw new OAuthError(
      'temporarily_unavailable',
      'too many registrations from this address; try again later',
      429,
    );
  const { client, response } = registerClient(body, deps.clock);
  await deps.oauth.putClient(client);
  await limit.count(address);
  deps.logger.info('oauth client registered', {
    clientId: client.clientId,
    clientName: client.clientName,
    address,
  });
  return response;
}
