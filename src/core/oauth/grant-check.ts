import type { UserStore } from '../ports.js';
import type { User } from '../users/user.js';
import type { Grant } from './oauth-records.js';

/**
 * The user a grant acts for, while the API key used at consent still exists and the user is
 * active; undefined once either is revoked. One read: the key holds a copy of its owner (keys
 * stored before it was kept read the user too).
 */
export async function grantUser(users: UserStore, grant: Grant): Promise<User | undefined> {
  const key = await users.findKey(grant.keyHash);
  if (!key || key.userName !== grant.userName) return undefined;
  const user = key.user ?? (await users.getUser(grant.userName));
  return user && !user.disabled ? user : undefined;
}
