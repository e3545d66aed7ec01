import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { visibleHosts } from '../../core/access.js';
import { userSchema } from '../../core/users/user.js';

export const whoamiTool = defineTool({
  name: 'whoami',
  toolset: 'hosts',
  title: 'Who am I',
  description:
    'Shows the identity this API key belongs to: user name, role, what hosts it may access and how many hosts that covers. ' +
    'Use it first to learn what you are allowed to do. Viewers can list and check hosts but not run commands; operators and above can run commands.',
  minRole: 'viewer',
  inputSchema: {},
  outputSchema: {
    name: userSchema.shape.name,
    role: userSchema.shape.role,
    access: userSchema.shape.access.extend({ all: z.boolean() }),
    visibleHostCount: z.number().int(),
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler(_input, { user, fleet }) {
    return {
      name: user.name,
      role: user.role,
      access: {
        hosts: [...user.access.hosts],
        groups: [...user.access.groups],
        tags: [...user.access.tags],
        all: user.role === 'admin',
      },
      visibleHostCount: visibleHosts(user, fleet).length,
    };
  },
  toText: (o) =>
    `You are ${o.name} (role ${o.role}). ` +
    (o.access.all
      ? 'You can access every host'
      : `Access: hosts [${o.access.hosts.join(', ')}], groups [${o.access.groups.join(', ')}], tags [${o.access.tags.join(', ')}]`) +
    `; ${o.visibleHostCount} host(s) visible.`,
});
