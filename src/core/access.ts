import type { Fleet, Host } from './fleet/fleet.js';
import { roleAtLeast, type User } from './users/user.js';
import { InvalidInputError, NotFoundError } from './errors.js';

/** True when the user's access covers the host (admins see every host). */
export function canSee(user: User, host: Host, fleet: Fleet): boolean {
  if (roleAtLeast(user.role, 'admin')) return true;
  const { access } = user;
  if (access.hosts.includes(host.name)) return true;
  if (host.tags.some((t) => access.tags.includes(t))) return true;
  return access.groups.some((g) => {
    const group = fleet.groups.get(g);
    return group !== undefined && fleet.membersOf(group).includes(host);
  });
}

export function visibleHosts(user: User, fleet: Fleet): Host[] {
  return fleet.hosts.filter((h) => canSee(user, h, fleet));
}

/**
 * One host by name. Unknown and forbidden hosts get the same answer, so host names a user may not
 * see do not leak.
 */
export function requireHost(user: User, fleet: Fleet, name: string): Host {
  const host = fleet.host(name);
  if (!host || !canSee(user, host, fleet)) throw new NotFoundError(`unknown host "${name}"`);
  return host;
}

/** Exactly one way of naming targets, as tools accept it. */
export interface TargetSelector {
  host?: string;
  hosts?: string[];
  tags?: string[];
  groups?: string[];
}

/**
 * The hosts a selector names, limited to what the user may see. Exactly one of host / hosts /
 * tags / groups must be given. Tags and groups match hosts carrying any of them.
 */
export function resolveTargets(user: User, fleet: Fleet, selector: TargetSelector): Host[] {
  const given = (['host', 'hosts', 'tags', 'groups'] as const).filter(
    (k) => selector[k] !== undefined,
  );
  if (given.length !== 1) {
    throw new InvalidInputError('name the targets with exactly one of host, hosts, tags or groups');
  }
  if (selector.host !== undefined) return [requireHost(user, fleet, selector.host)];
  if (selector.hosts !== undefined) {
    if (selector.hosts.length === 0)
      throw new InvalidInputError('hosts must name at least one host');
    return [...new Set(selector.hosts)].map((name) => requireHost(user, fleet, name));
  }
  const visible = visibleHosts(user, fleet);
  if (selector.tags !== undefined) {
    const tags = selector.tags;
    const matched = visible.filter((h) => h.tags.some((t) => tags.includes(t)));
    if (matched.length === 0)
      throw new NotFoundError(
        `no host you can access has any of the tags ${tags.join(', ')}; list_hosts shows what you can reach`,
      );
    return matched;
  }
  const names = selector.groups ?? [];
  const matched = new Set<Host>();
  for (const name of names) {
    const group = fleet.groups.get(name);
    const members = group ? fleet.membersOf(group).filter((h) => visible.includes(h)) : [];
    // An unknown group and a group with no visible members look the same, like unknown hosts.
    if (members.length === 0) throw new NotFoundError(`unknown group "${name}"`);
    members.forEach((h) => matched.add(h));
  }
  return [...matched];
}
