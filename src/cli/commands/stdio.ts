import { randomUUID } from 'node:crypto';
import { composeLocal } from '../../compose/local.js';
import { checkApiKey } from '../../core/users/user-admin.js';
import { AppError } from '../../core/errors.js';
import { serveMcpOnStdio } from '../../mcp/stdio.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { STORE_OPTIONS, parse, storeMode } from '../store-options.js';
import { filterFromQuery } from '../../mcp/tool-filter.js';

/** The environment variable holding the API key of the person a stdio server serves. */
export const API_KEY_ENV = 'SMG_API_KEY';

/**
 * MCP over stdio for a desktop client that starts the gateway as a command: one person, proven by
 * their API key from the environment (never a bare user name: whoever can start the command could
 * name anyone). Stdout carries the protocol, so everything else goes to stderr. Ends when the
 * client closes stdin, or on `stop`.
 */
export async function stdioCommand(
  args: string[],
  io: CliIO,
  stop: Promise<unknown>,
): Promise<number> {
  const { values } = parse(args, {
    ...STORE_OPTIONS,
    config: { type: 'string', default: 'fleet.yaml' },
    toolsets: { type: 'string' },
    'read-only': { type: 'boolean' },
  });
  // The same narrowing a URL's ?toolsets= and ?readonly= ask for, from the client's command line.
  const filter = filterFromQuery(
    new URLSearchParams({
      ...(values.toolsets !== undefined ? { toolsets: values.toolsets } : {}),
      ...(values['read-only'] ? { readonly: 'true' } : {}),
    }),
  );
  if ('error' in filter) throw new UsageError(filter.error.replace('toolsets=', '--toolsets '));
  const key = process.env[API_KEY_ENV]?.trim();
  // Read once; nothing this process starts (ssh, a shell) inherits it.
  delete process.env[API_KEY_ENV];
  if (!key)
    throw new UsageError(
      `set ${API_KEY_ENV} to your API key (smg_…) in the client's "env" for this server; an admin issues one with "users add" or "keys rotate"`,
    );
  const gateway = await composeLocal({
    configPath: values.config,
    store: storeMode(values),
    auth: 'key',
  });
  try {
    const checked = await checkApiKey(gateway.deps.users, key);
    if (!('user' in checked)) {
      await gateway.deps.audit.append({
        type: 'request.refused',
        requestId: randomUUID(),
        user: '-',
        outcome: '401',
        detail: `stdio: ${checked.refused}`,
        address: 'stdio',
      });
      io.err(`error: ${checked.refused}; ask an admin for a new key`);
      return 1;
    }
    const served = serveMcpOnStdio(
      gateway.deps,
      checked.user,
      async () => {
        const now = await checkApiKey(gateway.deps.users, key);
        if ('user' in now) return now.user;
        throw new AppError('UNAUTHORIZED', `${now.refused}; ask an admin for a new key`);
      },
      filter,
    );
    const ended = new Promise((resolve) => process.stdin.once('end', resolve));
    await Promise.race([stop, ended]);
    await served.close();
    return 0;
  } finally {
    await gateway.close();
  }
}
