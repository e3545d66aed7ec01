import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, visibleHosts, type TargetSelector } from '../access.js';
import type { ProbeOutcome } from '../ports.js';
import { fanOut } from './fan-out.js';

export interface HostCheck extends ProbeOutcome {
  host: string;
}

/** Probes hosts in parallel (capped); every visible host when no selector is given. */
export async function checkHosts(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  selector: TargetSelector,
): Promise<HostCheck[]> {
  const named = Object.values(selector).some((v) => v !== undefined);
  const targets = named ? resolveTargets(user, fleet, selector) : visibleHosts(user, fleet);
  return fanOut(targets, fleet.limits.maxConcurrency, async (host) => {
    const outcome = await deps.ssh.probe(
      { host, credential: fleet.credentialFor(host) },
      {
        connectTimeoutMs: fleet.limits.connectTimeoutSeconds * 1000,
        checkAddress: (address) => fleet.network.refusal(address),
      },
    );
    return { host: host.name, ...outcome };
  });
}
