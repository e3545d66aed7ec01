import { describe, expect, it } from 'vitest';
import { Fleet } from '../../src/core/fleet/fleet.js';
import { resolveTargets, visibleHosts } from '../../src/core/access.js';
import type { User } from '../../src/core/users/user.js';
import { userFixture } from '../support/fixtures.js';

const FP = `SHA256:${'B'.repeat(43)}`;
const fleet = Fleet.fromDocument(
  {
    credentials: { k: { password: 'pw12' } },
    hosts: ['web-1', 'web-2', 'db-1', 'cache-1'].map((name) => ({
      name,
      address: '127.0.0.1',
      user: 'u',
      credential: 'k',
      hostKey: FP,
      tags: [name.split('-')[0], name === 'db-1' ? 'prod' : 'dev'],
    })),
    groups: { frontends: { tags: ['web'] }, stateful: { hosts: ['db-1'], tags: ['cache'] } },
  },
  { source: 't', readKeyFile: () => '' },
);
const user = (role: User['role'], access: Partial<User['access']> = {}): User =>
  userFixture({ name: 'u', role, access: { hosts: [], groups: [], tags: [], ...access } });
const names = (hosts: { name: string }[]) => hosts.map((h) => h.name);

describe('access', () => {
  it('admins see every host; others see the union of their hosts, groups and tags', () => {
    expect(names(visibleHosts(user('admin'), fleet))).toEqual([
      'web-1',
      'web-2',
      'db-1',
      'cache-1',
    ]);
    expect(
      names(visibleHosts(user('operator', { hosts: ['web-1'], groups: ['stateful'] }), fleet)),
    ).toEqual(['web-1', 'db-1', 'cache-1']);
    expect(names(visibleHosts(user('viewer', { tags: ['prod'] }), fleet))).toEqual(['db-1']);
    expect(visibleHosts(user('operator'), fleet)).toEqual([]);
  });

  it('resolves tags and groups to visible hosts only', () => {
    const u = user('operator', { tags: ['web', 'db'] });
    expect(names(resolveTargets(u, fleet, { groups: ['stateful'] }))).toEqual(['db-1']);
    expect(names(resolveTargets(u, fleet, { tags: ['dev'] }))).toEqual(['web-1', 'web-2']);
  });

  it('answers unknown and forbidden hosts and groups alike', () => {
    const u = user('operator', { tags: ['web'] });
    expect(() => resolveTargets(u, fleet, { host: 'db-1' })).toThrow('unknown host "db-1"');
    expect(() => resolveTargets(u, fleet, { host: 'nope' })).toThrow('unknown host "nope"');
    expect(() => resolveTargets(u, fleet, { groups: ['stateful'] })).toThrow(
      'unknown group "stateful"',
    );
    expect(() => resolveTargets(u, fleet, { groups: ['nope'] })).toThrow('unknown group "nope"');
  });

  it('deduplicates repeated host names', () => {
    expect(names(resolveTargets(user('admin'), fleet, { hosts: ['web-1', 'web-1'] }))).toEqual([
      'web-1',
    ]);
  });
});
