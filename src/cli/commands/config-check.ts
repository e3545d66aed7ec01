import { loadFleetFile } from '../../adapters/config/file-fleet-source.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { parse } from '../store-options.js';

/** Validates a fleet file: exit 0 with a summary, or exit 2 with every problem by path. */
export async function configCommand(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  const { positionals } = parse(rest, {});
  const file = positionals[0];
  if (action !== 'check' || !file) throw new UsageError('config check FILE');
  const fleet = loadFleetFile(file);
  const unpinned = fleet.hosts
    .filter((h) => h.hostKeys !== 'any' && h.hostKeys.length === 0)
    .map((h) => h.name);
  const insecure = fleet.hosts.filter((h) => h.hostKeys === 'any').map((h) => h.name);
  io.out(`${file}: OK — ${fleet.hosts.length} host(s), ${fleet.groups.size} group(s)`);
  const { policies } = fleet;
  io.out(
    `policies: profiles ${[...policies.profiles.keys()].join(', ')}; default ${policies.defaultProfile}${policies.hostProfiles.length ? `; ${policies.hostProfiles.length} host narrowing rule(s)` : ''}`,
  );
  if (unpinned.length)
    io.out(
      `warning: no hostKey pinned for ${unpinned.join(', ')}; commands to them will be refused (ssh-keyscan HOST | ssh-keygen -lf - prints the fingerprint)`,
    );
  if (insecure.length)
    io.out(`warning: ${insecure.join(', ')} accept any host key (insecure-accept-any)`);
  return 0;
}
