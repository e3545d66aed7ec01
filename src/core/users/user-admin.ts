import type { Clock, UserStore } from '../ports.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import { hashApiKey, issueApiKey, keyIdOf, parseApiKey, sameHash } from './api-key.js';
import { isRole, type Access, type ApiKeyRecord, type User } from './user.js';

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface NewUser {
  name: string;
  role: string;
  access?: Partial<Access>;
  policy?: string;
  toolsets?: readonly string[];
  readOnly?: boolean;
}

/** A user and the one copy of their new key that will ever exist. */
export interface CreatedUser {
  user: User;
  key: string;
  keyId: string;
}

/** Creates a user with one API key. */
export async function addUser(
  users: UserStore,
  input: NewUser,
  clock: Clock,
): Promise<CreatedUser> {
  if (!USER_NAME.test(input.name))
    throw new InvalidInputError(
      `user name "${input.name}" must be 1-64 letters, digits, '.', '_', '@' or '-'`,
    );
  if (!isRole(input.role))
    throw new InvalidInputError(
      `role "${input.role}" is not one of viewer, operator, approver, admin`,
    );
  const user: User = {
    name: input.name,
    role: input.role,
    access: {
      hosts: input.access?.hosts ?? [],
      groups: input.access?.groups ?? [],
      tags: input.access?.tags ?? [],
    },
    ...(input.policy !== undefined ? { policy: input.policy } : {}),
    ...(input.toolsets !== undefined ? { toolsets: input.toolsets } : {}),
    ...(input.readOnly ? { readOnly: true } : {}),
    disabled: false,
    createdAt: clock.now().toISOString(),
  };
  await users.createUser(user);
  const issued = await addKey(users, user.name, clock);
  return { user, ...issued };
}

async function addKey(
  users: UserStore,
  userName: string,
  clock: Clock,
): Promise<{ key: string; keyId: string }> {
  const issued = issueApiKey(userName);
  await users.addKey({
    keyHash: issued.keyHash,
    keyId: issued.keyId,
    userName,
    createdAt: clock.now().toISOString(),
  });
  return { key: issued.key, keyId: issued.keyId };
}

/**
 * The active user a bearer key belongs to, or undefined. The key's shape is checked before any
 * store read; the stored hash is compared in constant time.
 */
export async function authenticate(users: UserStore, bearer: string): Promise<User | undefined> {
  const result = await checkApiKey(users, bearer);
  return 'user' in result ? result.user : undefined;
}

/** The key's active user, or why the key is refused — naming the key by its public id, never itself. */
export async function checkApiKey(
  users: UserStore,
  bearer: string,
): Promise<{ readonly user: User } | { readonly refused: string }> {
  const shape = parseApiKey(bearer);
  if (!shape) return { refused: 'the bearer token is not an API key' };
  const keyHash = hashApiKey(bearer);
  const { key, user } = shape.userName
    ? await users.findKeyAndUser(keyHash, shape.userName)
    : await keyThenUser(users, keyHash);
  if (
    !key ||
    !sameHash(key.keyHash, keyHash) ||
    (shape.userName && key.userName !== shape.userName)
  )
    return { refused: `API key ${keyIdOf(keyHash)} is not known (never issued, or revoked)` };
  if (!user) return { refused: `API key ${keyIdOf(keyHash)} belongs to no user` };
  if (user.disabled)
    return { refused: `API key ${keyIdOf(keyHash)} belongs to "${user.name}", who is revoked` };
  return { user };
}

/** A key that does not name its user (issued before keys did): two reads, one after the other. */
async function keyThenUser(
  users: UserStore,
  keyHash: string,
): Promise<{ key?: ApiKeyRecord; user?: User }> {
  const key = await users.findKey(keyHash);
  return key ? { key, user: await users.getUser(key.userName) } : {};
}

/** Issues a new key; old keys stop working unless `keepOld` (for a rotation overlap). */
export async function rotateKey(
  users: UserStore,
  name: string,
  clock: Clock,
  options: { keepOld?: boolean } = {},
): Promise<{ key: string; keyId: string; revoked: string[] }> {
  const user = await requireUser(users, name);
  if (user.disabled)
    throw new ForbiddenError(
      `user "${name}" is revoked; add them again under a new name or re-enable them first`,
    );
  const old = await users.listKeys(name);
  const issued = await addKey(users, name, clock);
  const revoked: string[] = [];
  if (!options.keepOld) {
    for (const k of old) {
      await users.removeKey(name, k.keyHash);
      revoked.push(k.keyId);
    }
  }
  return { ...issued, revoked };
}

/** Disables the user and deletes every key: the next request with any of them gets 401. */
export async function revokeUser(users: UserStore, name: string): Promise<{ revokedKeys: number }> {
  const user = await requireUser(users, name);
  await users.putUser({ ...user, disabled: true });
  const keys = await users.listKeys(name);
  for (const k of keys) await users.removeKey(name, k.keyHash);
  return { revokedKeys: keys.length };
}

async function requireUser(users: UserStore, name: string): Promise<User> {
  const user = await users.getUser(name);
  if (!user) throw new NotFoundError(`no user "${name}"; "users list" shows who exists`);
  return user;
}
