import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { CoreDeps } from '../core/deps.js';
import type { User } from '../core/users/user.js';
import { createMcpServer } from './server.js';
import type { ToolFilter } from './tool-filter.js';

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
  /** The narrowing the client's command line asks for (`--toolsets`, `--read-only`). */
  filter: ToolFilter = {},
): { close(): Promise<void> } {
  return serveStdio(async ({ era }) =>
    createMcpServer({ deps, user, currentUser, era, filter, fleet: await deps.fleet.current() }),
  );
}
