export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Which hosts a user may see and touch. Admins see every host regardless. */
export interface Access {
  readonly hosts: readonly string[];
  readonly groups: readonly string[];
  readonly tags: readonly string[];
}

export interface User {
  readonly name: string;
  readonly role: Role;
  readonly access: Access;
  /** Policy profile name; used once command policy lands. */
  readonly policy?: string;
  /** The MCP toolsets this user sees (all when absent): a narrower list for a narrower job. */
  readonly toolsets?: readonly string[];
  /** Only tools that change nothing (their readOnlyHint) are listed and callable. */
  readonly readOnly?: boolean;
  readonly disabled: boolean;
  readonly createdAt: string;
}

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
