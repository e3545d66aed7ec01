import { ConfigError, operatorMessage } from '../core/errors.js';
import { auditCommand } from './commands/audit.js';
import { approvalsCommand } from './commands/approvals.js';
import { configCommand } from './commands/config-check.js';
import { serveCommand } from './commands/serve.js';
import { stdioCommand } from './commands/stdio.js';
import { keysCommand, usersCommand } from './commands/users.js';
import { consoleIO, UsageError, type CliIO } from './io.js';
import { STORE_USAGE } from './store-options.js';

export const USAGE = `usage: ssh-mcp-gateway COMMAND

  serve [--config fleet.yaml] [--host 127.0.0.1] [--port 8787] [--allowed-host NAME:PORT] [--auth oauth|key] [--public-url URL] [--key-only-port PORT] STORE
  stdio [--config fleet.yaml] STORE   (MCP over stdin/stdout for one person: API key in SMG_API_KEY)
  users add NAME --role viewer|operator|approver|admin [--hosts a,b] [--groups g] [--tags t] [--policy PROFILE] STORE
  users set-policy NAME PROFILE|default [--config fleet.yaml] STORE
  users list STORE
  users revoke NAME STORE
  keys rotate NAME [--keep-old] STORE
  keys list NAME STORE
  approvals list|show ID|approve ID|deny ID [--note TEXT] [--key smg_… | env SMG_API_KEY] STORE
  audit tail [--user U] [--host H] [--limit 20] STORE
  audit verify STORE
  config check FILE

STORE is ${STORE_USAGE} (default: --data .data)`;

/** Runs one CLI command and returns its exit code; never throws. */
export async function main(
  argv: string[],
  io: CliIO = consoleIO,
  stop: Promise<unknown> = new Promise(() => {}),
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, io, stop);
      case 'stdio':
        return await stdioCommand(rest, io, stop);
      case 'users':
        return await usersCommand(rest, io);
      case 'keys':
        return await keysCommand(rest, io);
      case 'audit':
        return await auditCommand(rest, io);
      case 'approvals':
        return await approvalsCommand(rest, io);
      case 'config':
        return await configCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      io.err(USAGE);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    io.err(`error: ${operatorMessage(error)}`);
    return 1;
  }
}
