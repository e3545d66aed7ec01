import { z } from 'zod';

export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Which hosts a user may see and touch. Admins see every host regardless. */
export interface Access {
  readonly hosts: readonly string[];
  readonly groups: readonly string[];
  readonly tags: readonly string[];
}

/** A user as stored; the type is inferred from it. */
export const userSchema = z.object({
  name: z.string(),
  role: z.enum(ROLES),
  access: z.object({
    hosts: z.array(z.string()),
    groups: z.array(z.string()),
    tags: z.array(z.string()),
  }),
  /** The policy profile; the fleet's default when absent. */
  policy: z.string().optional(),
  /** The MCP toolsets this user sees (all when absent): a narrower list for a narrower job. */
  toolsets: z.array(z.string()).optional(),
  /** Only tools that change nothing (their readOnlyHint) are listed and callable. */
  readOnly: z.boolean().optional(),
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type User = Readonly<
  Omit<z.infer<typeof userSchema>, 'access' | 'toolsets'> & {
    readonly access: Access;
    readonly toolsets?: readonly string[];
  }
>;

/** Stored form of an API key: only the SHA-256 of the key, never the key. */
export interface ApiKeyRecord {
  readonly keyHash: string;
  readonly keyId: string;
  readonly userName: string;
  readonly createdAt: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, approver: 2, admin: 3 };

/** True when `role` is at least `minimum` (viewer < operator < approver < admin). */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
