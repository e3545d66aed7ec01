import { createTreeSitterShellParser } from '../../src/adapters/shell/tree-sitter-parser.js';
import { PolicyEngine } from '../../src/core/policy/engine.js';
import { Fleet } from '../../src/core/fleet/fleet.js';
import type { ShellParser } from '../../src/core/policy/shell-syntax.js';
import type { User } from '../../src/core/users/user.js';

let parser: Promise<ShellParser> | undefined;
export const shellParser = () => (parser ??= createTreeSitterShellParser());

const FP = `SHA256:${'C'.repeat(43)}`;

/** A small fleet with the given policies section, for deciding commands without SSH. */
export function policyFleet(
  policies: unknown = {},
  hosts: { name: string; tags?: string[] }[] = [
    { name: 'web-1', tags: ['web'] },
    { name: 'db-1', tags: ['db', 'prod'] },
  ],
): Fleet {
  return Fleet.fromDocument(
    {
      credentials: { k: { password: 'pw-secret' } },
      hosts: hosts.map((h) => ({
        name: h.name,
        address: '127.0.0.1',
        user: 'u',
        credential: 'k',
        hostKey: FP,
        tags: h.tags ?? [],
      })),
      policies,
    },
    { source: 'test', readKeyFile: () => '' },
  );
}

export function userWith(policy: string | undefined, role: User['role'] = 'operator'): User {
  return {
    name: 'u',
    role,
    access: { hosts: [], groups: [], tags: [] },
    disabled: false,
    createdAt: '',
    ...(policy ? { policy } : {}),
  };
}

export async function engine(): Promise<PolicyEngine> {
  return new PolicyEngine(await shellParser());
}
