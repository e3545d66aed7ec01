import { z } from 'zod';
import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, visibleHosts, type TargetSelector } from '../access.js';
import { CONNECT_FAILURES } from '../ports.js';
import { fanOut } from './fan-out.js';
import { summarize, summarySchema } from '../summary.js';

/** What check_hosts answers, defined once (its MCP output schema is this one). */
export const checkHostsResultSchema = z.object({
  results: z.array(
    z.object({
      host: z.string(),
      status: z.enum(['ok', ...CONNECT_FAILURES]),
      latencyMs: z.number(),
      error: z.string().optional(),
    }),
  ),
  summary: summarySchema(['ok', 'failed'] as const),
});
export type CheckHostsResult = z.infer<typeof checkHostsResultSchema>;

/** Probes hosts in parallel (capped); every visible host when no selector is given. */
export async function checkHosts(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  selector: TargetSelector,
): Promise<CheckHostsResult> {
  const named = Object.values(selector).some((v) => v !== undefined);
  const targets = named ? resolveTargets(user, fleet, selector) : visibleHosts(user, fleet);
  const results = await fanOut(targets, fleet.limits.maxConcurrency, async (host) => {
    const outcome = await deps.ssh.probe(
      { host, credential: fleet.credentialFor(host) },
      {
        connectTimeoutMs: fleet.limits.connectTimeoutSeconds * 1000,
        checkAddress: (address) => fleet.network.refusal(address),
      },
    );
    return { host: host.name, ...outcome };
  });
  return {
    results,
    summary: summarize(
      ['ok', 'failed'] as const,
      results.map((r) => (r.status === 'ok' ? 'ok' : 'failed')),
    ),
  };
}
