import type { UserStore } from '../ports.js';
import type { User } from '../users/user.js';
import type { Grant } from './oauth-records.js';

/**
 * The user a grant acts for, while the API key used at consent still exists and the user is
 * active; undefined once either is revoked. One read.
 */
export async function grantUser(users: UserStore, grant: Grant): Promise<User | undefined> {
  const { key, user } = await users.findKeyAndUser(grant.keyHash, grant.userName);
  if (!key || key.userName !== grant.userName) return undefined;
  return user && !user.disabled ? user : undefined;
}
