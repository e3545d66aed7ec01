import { createHash, randomBytes } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import type { User } from '../users/user.js';
import { checkApiKey } from '../users/user-admin.js';
import { hashApiKey } from '../users/api-key.js';
import type { ApproverSession } from '../ports.js';
import { epochSeconds } from '../expiry.js';

export const SESSION_SECONDS = 15 * 60;
/** Wrong keys from one address within a window (and the one before) before wrong ones wait. */
export const SIGN_IN_ATTEMPTS = { max: 5, windowSeconds: 10 * 60 } as const;

type SessionDeps = Pick<CoreDeps, 'approverSessions' | 'users' | 'clock'>;

export type SignIn =
  | { readonly kind: 'ok'; readonly token: string; readonly session: ApproverSession }
  | { readonly kind: 'wrong-key'; readonly message: string }
  | { readonly kind: 'rate-limited'; readonly retryAfterSeconds: number };

export const hashSessionToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Signs a person in to the approval page with their own API key: a random session token (only its
 * hash is stored) with its own CSRF token, for a short while. Wrong keys are counted per address;
 * past the limit wrong ones are refused unchecked, while a right key still gets in (a key is 256
 * random bits: answering it gives a guesser nothing).
 */
export async function signIn(deps: SessionDeps, apiKey: string, address: string): Promise<SignIn> {
  const now = epochSeconds(deps.clock);
  const window = SIGN_IN_ATTEMPTS.windowSeconds;
  const windowStart = now - (now % window);
  const checked = await checkApiKey(deps.users, apiKey.trim());
  if (!('user' in checked)) {
    // This window and the one before count together, so crossing a boundary resets nothing.
    const [earlier, current] = await Promise.all([
      deps.approverSessions.failures(address, windowStart - window),
      deps.approverSessions.failures(address, windowStart),
    ]);
    const retryAfterSeconds = windowStart + window - now + (earlier > 0 ? window : 0);
    if (earlier + current >= SIGN_IN_ATTEMPTS.max)
      return { kind: 'rate-limited', retryAfterSeconds };
    const count =
      earlier +
      (await deps.approverSessions.countFailure(address, windowStart, windowStart + 2 * window));
    return count >= SIGN_IN_ATTEMPTS.max
      ? { kind: 'rate-limited', retryAfterSeconds }
      : {
          kind: 'wrong-key',
          message: `That API key was not accepted. ${SIGN_IN_ATTEMPTS.max - count} more attempt(s) before this page pauses.`,
        };
  }
  const token = randomBytes(32).toString('base64url');
  const session: ApproverSession = {
    tokenHash: hashSessionToken(token),
    user: checked.user.name,
    keyHash: hashApiKey(apiKey.trim()),
    csrf: randomBytes(32).toString('base64url'),
    expiresAt: now + SESSION_SECONDS,
  };
  await deps.approverSessions.createSession(session);
  return { kind: 'ok', token, session };
}

/** The signed-in person behind a session cookie, if the session is live and the user active. */
export async function sessionUser(
  deps: SessionDeps,
  token: string | undefined,
): Promise<{ user: User; session: ApproverSession } | undefined> {
  if (!token || !/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
  const now = epochSeconds(deps.clock);
  const session = await deps.approverSessions.getSession(hashSessionToken(token), now);
  if (!session) return undefined;
  // The key must still be there (rotated away or revoked ends the session) and the user active.
  const { key, user } = await deps.users.findKeyAndUser(session.keyHash, session.user);
  return key?.userName === session.user && user && !user.disabled ? { user, session } : undefined;
}

/** Ends the session behind a cookie now: the cookie opens nothing after. */
export async function signOut(deps: SessionDeps, token: string): Promise<void> {
  const now = epochSeconds(deps.clock);
  await deps.approverSessions.endSession(hashSessionToken(token), now);
}
