import type { Credential, Host } from '../../src/core/fleet/fleet.js';
import type { SshTarget } from '../../src/core/ports.js';
import type { TestFleet, TestHost } from './ssh-fleet.js';

/** A core SshTarget for a test host, pinned to its real key unless told otherwise. */
export function targetFor(
  fleet: TestFleet,
  host: TestHost,
  overrides: Partial<Host> = {},
  credential?: Partial<Credential>,
): SshTarget {
  return {
    host: {
      name: host.name,
      address: host.address,
      port: host.port,
      user: fleet.user,
      credential: 'test',
      hostKeys: [host.hostKeyFingerprint],
      tags: [],
      ...overrides,
    },
    credential: { name: 'test', privateKey: fleet.clientKey, ...credential },
  };
}
