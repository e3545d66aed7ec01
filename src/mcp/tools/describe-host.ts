import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { requireHost } from '../../core/access.js';

export const describeHostTool = defineTool({
  name: 'describe_host',
  toolset: 'hosts',
  title: 'Describe a host',
  description:
    'Shows how the gateway reaches one host: address, port, login user, authentication method, pinned host key fingerprints, tags and groups. ' +
    'Never shows secrets. Does not contact the host; use check_hosts for that.',
  minRole: 'viewer',
  inputSchema: { host: z.string().min(1).describe('Host name, as list_hosts shows it.') },
  outputSchema: {
    name: z.string(),
    address: z.string(),
    port: z.number().int(),
    user: z.string(),
    authMethod: z.enum(['publickey', 'password']),
    hostKeyPolicy: z.enum(['pinned', 'missing', 'insecure-accept-any']),
    hostKeys: z.array(z.string()),
    tags: z.array(z.string()),
    groups: z.array(z.string()),
    description: z.string().optional(),
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler({ host: name }, { user, fleet }) {
    const host = requireHost(user, fleet, name);
    const credential = fleet.credentialFor(host);
    const keys = host.hostKeys === 'any' ? [] : [...host.hostKeys];
    return {
      name: host.name,
      address: host.address,
      port: host.port,
      user: host.user,
      authMethod:
        credential.privateKey !== undefined ? ('publickey' as const) : ('password' as const),
      hostKeyPolicy:
        host.hostKeys === 'any'
          ? ('insecure-accept-any' as const)
          : keys.length > 0
            ? ('pinned' as const)
            : ('missing' as const),
      hostKeys: keys,
      tags: [...host.tags],
      groups: fleet.groupsOf(host),
      ...(host.description ? { description: host.description } : {}),
    };
  },
  toText: (o) =>
    `${o.name}: ${o.user}@${o.address}:${o.port} (${o.authMethod}); host key ${o.hostKeyPolicy}${o.hostKeys.length ? ` ${o.hostKeys.join(', ')}` : ''}; ` +
    `tags [${o.tags.join(', ')}]; groups [${o.groups.join(', ')}]${o.hostKeyPolicy === 'missing' ? '. Commands to this host will be refused until its hostKey is pinned in the fleet config.' : ''}`,
  auditTargets: (input) => [input.host],
});
