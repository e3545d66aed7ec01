import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { CoreDeps } from '../core/deps.js';
import type { User } from '../core/users/user.js';
import { createMcpServer } from './server.js';

/**
 * Serves MCP on this process's stdin and stdout for one authenticated user, in whichever era the
 * client opens with (2026-07-28 or the 2025 `initialize`): the same tools, policy and audit as
 * over HTTP, each call with a request id of its own.
 */
export function serveMcpOnStdio(deps: CoreDeps, user: User): { close(): Promise<void> } {
  return serveStdio(async ({ era }) =>
    createMcpServer({ deps, user, era, fleet: await deps.fleet.current() }),
  );
}
