import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { targetsInput } from './targets-input.js';
import { checkHosts } from '../../core/exec/check-hosts.js';

const STATUSES = [
  'ok',
  'unreachable',
  'timeout',
  'auth_failed',
  'hostkey_mismatch',
  'denied',
] as const;

export const checkHostsTool = defineTool({
  name: 'check_hosts',
  toolset: 'hosts',
  title: 'Check host connectivity',
  description:
    'Probes hosts in parallel: network policy, TCP connect, SSH handshake, host key check against the pinned fingerprint, and login. Returns status and latency per host. ' +
    'Runs no command. With no target it checks every host you can access. Use it to find which hosts are reachable before running commands.',
  minRole: 'viewer',
  inputSchema: targetsInput,
  outputSchema: {
    results: z.array(
      z.object({
        host: z.string(),
        status: z.enum(STATUSES),
        latencyMs: z.number(),
        error: z.string().optional(),
      }),
    ),
    summary: z.object({ total: z.number().int(), ok: z.number().int(), failed: z.number().int() }),
  },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handler(input, { deps, user, fleet }) {
    const results = await checkHosts(deps, fleet, user, input);
    const ok = results.filter((r) => r.status === 'ok').length;
    return { results, summary: { total: results.length, ok, failed: results.length - ok } };
  },
  toText: (o) =>
    `${o.summary.ok}/${o.summary.total} host(s) reachable.\n` +
    o.results
      .map((r) => `- ${r.host}: ${r.status} (${r.latencyMs} ms)${r.error ? ` — ${r.error}` : ''}`)
      .join('\n'),
  auditTargets: (_input, output) => output?.results.map((r) => r.host) ?? [],
});
