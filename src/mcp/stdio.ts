import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { CoreDeps } from '../core/deps.js';
import type { User } from '../core/users/user.js';
import { createMcpServer } from './server.js';

/**
 * Serves MCP on this process's stdin and stdout for one authenticated user, in whichever era the
 * client opens with (2026-07-28 or the 2025 `initialize`): the same tools, policy and audit as
 * over HTTP, each call with a request id of its own. `currentUser` is asked before every call, so
 * a key revoked or a role changed while the connection is open takes effect at once.
 */
export function serveMcpOnStdio(
  deps: CoreDeps,
  user: User,
  currentUser: () => Promise<User>,
): { close(): Promise<void> } {
  return serveStdio(async ({ era }) =>
    createMcpServer({ deps, user, currentUser, era, fleet: await deps.fleet.current() }),
  );
}
