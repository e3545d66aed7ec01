import { defineTool } from '../define-tool.js';
import { targetsInput } from './targets-input.js';
import { checkHosts, checkHostsResultSchema } from '../../core/exec/check-hosts.js';

export const checkHostsTool = defineTool({
  name: 'check_hosts',
  toolset: 'hosts',
  title: 'Check host connectivity',
  description:
    'Probes hosts in parallel: network policy, TCP connect, SSH handshake, host key check against the pinned fingerprint, and login. Returns status and latency per host. ' +
    'Runs no command. With no target it checks every host you can access. Use it to find which hosts are reachable before running commands.',
  minRole: 'viewer',
  inputSchema: targetsInput,
  outputSchema: checkHostsResultSchema.shape,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  handler: (input, { deps, user, fleet }) => checkHosts(deps, fleet, user, input),
  toText: (o) =>
    `${o.summary.ok}/${o.summary.total} host(s) reachable.\n` +
    o.results
      .map((r) => `- ${r.host}: ${r.status} (${r.latencyMs} ms)${r.error ? ` — ${r.error}` : ''}`)
      .join('\n'),
  auditTargets: (_input, output) => output?.results.map((r) => r.host) ?? [],
});
