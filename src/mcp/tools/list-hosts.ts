import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { visibleHosts } from '../../core/access.js';

export const listHostsTool = defineTool({
  name: 'list_hosts',
  toolset: 'hosts',
  title: 'List hosts',
  description:
    'Lists the hosts you may access, with their tags and groups. Filter by tag or group. ' +
    'Use the names it returns as `host`, `hosts`, `tags` or `groups` in check_hosts and run_command. It does not contact any host.',
  minRole: 'viewer',
  inputSchema: {
    tag: z.string().min(1).optional().describe('Only hosts carrying this tag.'),
    group: z.string().min(1).optional().describe('Only hosts in this group.'),
  },
  outputSchema: {
    hosts: z.array(
      z.object({
        name: z.string(),
        tags: z.array(z.string()),
        groups: z.array(z.string()),
        description: z.string().optional(),
      }),
    ),
    count: z.number().int(),
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler({ tag, group }, { user, fleet }) {
    const groupDef = group === undefined ? undefined : fleet.groups.get(group);
    const members = groupDef ? new Set(fleet.membersOf(groupDef)) : undefined;
    const hosts = visibleHosts(user, fleet)
      .filter((h) => tag === undefined || h.tags.includes(tag))
      .filter((h) => group === undefined || (members?.has(h) ?? false))
      .map((h) => ({
        name: h.name,
        tags: [...h.tags],
        groups: fleet.groupsOf(h),
        ...(h.description ? { description: h.description } : {}),
      }));
    return { hosts, count: hosts.length };
  },
  toText: (o) =>
    o.count === 0
      ? 'No hosts match (or you have access to none).'
      : `${o.count} host(s):\n` +
        o.hosts
          .map(
            (h) =>
              `- ${h.name}${h.tags.length ? ` [${h.tags.join(', ')}]` : ''}${h.description ? ` — ${h.description}` : ''}`,
          )
          .join('\n'),
});
