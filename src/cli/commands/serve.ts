import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { composeLocal, type LocalGateway } from '../../compose/local.js';
import type { AuthMode } from '../../compose/oauth.js';
import type { Context } from 'hono';
import { createApp, type GatewayApp } from '../../http/app.js';
import { getConnInfo } from '@hono/node-server/conninfo';
import { serveOnNode, type RunningServer } from '../../http/serve-node.js';
import { systemClock } from '../../core/ports.js';
import { addUser } from '../../core/users/user-admin.js';
import { isLoopbackHost } from '../../core/oauth/redirect-uri.js';
import { AppError } from '../../core/errors.js';
import { sweepEvery } from '../../core/jobs/take-over.js';

import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { STORE_OPTIONS, parse, storeMode } from '../store-options.js';
import { auditAdmin, printKey } from './users.js';

/** How often a serving gateway takes over running jobs nobody runs any more. */
const SWEEP_EVERY_MS = 5 * 60_000;

export const FIRST_ADMIN = 'admin';

/** Host header values a local server answers to: its bind address and the loopback names. */
export function defaultAllowedHosts(host: string, port: number): string[] {
  return [
    ...new Set([`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]),
  ];
}

const SERVE_OPTIONS = {
  ...STORE_OPTIONS,
  config: { type: 'string', default: 'fleet.yaml' },
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8787' },
  'allowed-host': { type: 'string', multiple: true },
  auth: { type: 'string', default: 'oauth' },
  'public-url': { type: 'string' },
  'key-only-port': { type: 'string' },
} as const;

type ServeValues = ReturnType<typeof parse<typeof SERVE_OPTIONS>>['values'];

/**
 * Starts the gateway and resolves with an exit code once `stop` fires (SIGINT/SIGTERM in the bin).
 */
export async function serveCommand(
  args: string[],
  io: CliIO,
  stop: Promise<unknown>,
): Promise<number> {
  const { values } = parse(args, SERVE_OPTIONS);
  const { port, keyOnlyPort, publicUrl, auth } = checkServeOptions(values);
  const gateway = await composeLocal({
    configPath: values.config,
    store: storeMode(values),
    auth,
    // In the data dir even with --dynamodb: gateways sharing tables share the dir's key too.
    ...(values.memory ? {} : { keyDir: values.data }),
  });
  try {
    const clientAddress = (c: Context) => getConnInfo(c).remote.address ?? 'unknown';
    const hostsFor = (p: number) => [
      ...defaultAllowedHosts(values.host, p),
      ...(values['allowed-host'] ?? []),
    ];
    const app = createApp(gateway.deps, {
      allowedHosts: publicUrl ? [...hostsFor(port), new URL(publicUrl).host] : hostsFor(port),
      ...(gateway.oauth ? { oauth: gateway.oauth } : {}),
      ...(publicUrl ? { publicUrl } : {}),
      clientAddress,
      requestStateKey: gateway.requestStateKey,
    });
    const server = await listen(app, values.host, port, '--port');
    // The same gateway without the authorization server, for clients that send a configured header.
    const keyOnly =
      keyOnlyPort === undefined
        ? undefined
        : await listen(
            createApp(gateway.deps, {
              allowedHosts: hostsFor(keyOnlyPort),
              clientAddress,
              requestStateKey: gateway.requestStateKey,
            }),
            values.host,
            keyOnlyPort,
            '--key-only-port',
          );
    io.out(`ssh-mcp-gateway listening on ${server.url}/mcp`);
    if (keyOnly) io.out(`key-only endpoint (API keys, no OAuth discovery) on ${keyOnly.url}/mcp`);
    sayWhatIsServed(io, values, gateway, server.port);
    await createFirstAdmin(io, values, gateway.store);
    sayHowToConnect(io, gateway, `${publicUrl ? new URL(publicUrl).origin : server.url}/mcp`, {
      keyOnly: keyOnly !== undefined,
    });
    // Jobs a stopped (or killed) gateway let go of are finished even if nobody asks for them.
    const stopSweeping = sweepEvery(gateway.deps, SWEEP_EVERY_MS);
    await stop;
    stopSweeping();
    io.out('shutting down: answering the requests in flight');
    // A run_command answers within the sync budget; its records follow at once.
    const graceMs = (gateway.fleetSource.fleet.limits.syncBudgetSeconds + 5) * 1000;
    await Promise.all([server.close(graceMs), keyOnly?.close(graceMs)]);
    return 0;
  } finally {
    await gateway.close();
  }
}

/** The command line checked before anything opens: ports, auth mode, and where sign-in may be served. */
function checkServeOptions(values: ServeValues) {
  const port = parsePort(values.port, '--port');
  const keyOnlyPort =
    values['key-only-port'] === undefined
      ? undefined
      : parsePort(values['key-only-port'], '--key-only-port');
  const auth: AuthMode | undefined =
    values.auth === 'oauth' ? 'oauth' : values.auth === 'key' ? 'key' : undefined;
  if (!auth) throw new UsageError(`--auth must be "oauth" or "key", not "${values.auth}"`);
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(publicUrl))
    throw new UsageError(
      `--public-url must be an origin such as https://gateway.example.com, not "${publicUrl}"`,
    );
  // Sign-in endpoints carry keys and codes: HTTPS wherever they leave the machine.
  if (publicUrl?.startsWith('http:') && !isLoopbackHost(new URL(publicUrl).hostname))
    throw new UsageError(
      `--public-url must be https:// (the sign-in endpoints carry keys and codes); put TLS in front and give its https address, not "${publicUrl}"`,
    );
  // The consent page takes API keys: off this machine it must be behind TLS (--public-url https).
  const exposed = [values.host, ...(values['allowed-host'] ?? [])].some((h) => !isLocal(h));
  if (auth === 'oauth' && exposed && !publicUrl?.startsWith('https:'))
    throw new UsageError(
      'the sign-in pages would be served over plain http beyond this machine: put TLS in front and pass --public-url https://NAME, or serve API keys only with --auth key',
    );
  return { port, keyOnlyPort, publicUrl, auth };
}

/** The store and fleet being served, and what to do when there is no fleet yet. */
function sayWhatIsServed(
  io: CliIO,
  values: ServeValues,
  gateway: LocalGateway,
  port: number,
): void {
  const { fleetSource, store } = gateway;
  io.out(`store: ${store.description}`);
  if (fleetSource.missing) {
    io.out(`fleet: no ${values.config} yet — serving an empty fleet.`);
    io.out(
      `  To add hosts: cp fleet.example.yaml ${values.config}, edit it, check it with "npm run cli -- config check ${values.config}", and restart.`,
    );
  } else {
    io.out(
      `fleet: ${resolve(values.config)} (${fleetSource.fleet.hosts.length} host(s), ${fleetSource.fleet.groups.size} group(s))`,
    );
  }
  if (values.host !== '127.0.0.1' && values.host !== 'localhost' && !values['allowed-host']) {
    io.out(
      `note: listening on ${values.host}; clients that reach it by another name need --allowed-host NAME:${port}`,
    );
  }
}

/**
 * On a store without users, the first admin and their key: printed to a terminal, else written to
 * a file only its owner can read (under a service manager stdout lands in a journal others read).
 */
async function createFirstAdmin(
  io: CliIO,
  values: ServeValues,
  store: LocalGateway['store'],
): Promise<void> {
  if ((await store.users.listUsers()).length > 0) return;
  const created = await addUser(store.users, { name: FIRST_ADMIN, role: 'admin' }, systemClock);
  await auditAdmin(store, `first start: created ${FIRST_ADMIN} key=${created.keyId}`);
  io.out(`First start: created user "${FIRST_ADMIN}" (role admin).`);
  if (io.terminal) return printKey(io, created.key);
  const file = writeKeyFile(
    values.memory || values.dynamodb ? undefined : values.data,
    created.key,
  );
  io.out(
    `Its API key is in ${file} (readable by you only; not printed, since output is not a terminal). Store it, then delete the file.`,
  );
}

/** How clients connect: the header, and for URL-only clients the OAuth sign-in. */
function sayHowToConnect(
  io: CliIO,
  gateway: LocalGateway,
  mcpUrl: string,
  options: { keyOnly: boolean },
): void {
  io.out(`Connect an MCP client to ${mcpUrl} with the header "Authorization: Bearer <API key>".`);
  if (!gateway.oauth) {
    io.out('auth: API keys only (--auth key): no OAuth discovery is advertised.');
    return;
  }
  io.out(
    `Clients that only take a URL (Claude.ai, ChatGPT, Le Chat) sign in through OAuth: the consent page asks for the API key.`,
  );
  if (!options.keyOnly)
    io.out(
      'A header client that starts an OAuth sign-in instead can use a key-only endpoint: restart with --key-only-port 8788.',
    );
}

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`${flag} must be 0-65535, not "${value}"`);
  return port;
}

async function listen(
  app: Pick<GatewayApp, 'fetch'>,
  host: string,
  port: number,
  flag: string,
): Promise<RunningServer> {
  try {
    return await serveOnNode(app, { hostname: host, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new AppError(
        'CONFLICT',
        `port ${port} on ${host} is in use; stop what holds it or pass ${flag}`,
      );
    throw error;
  }
}

/** Writes the first admin key to a new file readable by its owner only; returns its path. */
function writeKeyFile(dataDir: string | undefined, key: string): string {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'ssh-mcp-gateway-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Never over another file: an earlier key file left behind gets a successor beside it.
  for (let n = 0; ; n++) {
    const file = resolve(dir, n ? `first-admin-key.${n}` : 'first-admin-key');
    try {
      writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || n > 100) throw error;
    }
  }
}

/** True when a bind address or `host[:port]` names this machine only (`::1` may come bare). */
function isLocal(value: string): boolean {
  const bareIpv6 = !value.startsWith('[') && value.indexOf(':') !== value.lastIndexOf(':');
  const url = `http://${bareIpv6 ? `[${value}]` : value}`;
  return URL.canParse(url) && isLoopbackHost(new URL(url).hostname);
}
