import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { composeLocal, type LocalGateway } from '../../src/compose/local.js';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createApp } from '../../src/http/app.js';
import { serveOnNode } from '../../src/http/serve-node.js';
import { silentLogger } from '../../src/adapters/log/json-logger.js';
import { addUser, type NewUser } from '../../src/core/users/user-admin.js';
import { systemClock } from '../../src/core/ports.js';
import { freePort, type TestFleet } from './ssh-fleet.js';

/** A fleet document for the test hosts: every host pinned, tagged by index parity plus any extras. */
export function fleetDocument(
  fleet: TestFleet,
  extra: {
    tags?: (name: string, i: number) => string[];
    limits?: Record<string, number>;
    groups?: Record<string, unknown>;
    hosts?: unknown[];
  } = {},
) {
  return {
    credentials: { test: { privateKeyFile: fleet.clientKeyFile } },
    hosts: [
      ...fleet.hosts.map((h, i) => ({
        name: h.name,
        address: h.address,
        port: h.port,
        user: fleet.user,
        credential: 'test',
        hostKey: h.hostKeyFingerprint,
        tags: extra.tags?.(h.name, i) ?? ['test', i % 2 === 0 ? 'even' : 'odd'],
      })),
      ...(extra.hosts ?? []),
    ],
    groups: extra.groups ?? {},
    limits: { commandTimeoutSeconds: 10, connectTimeoutSeconds: 3, ...extra.limits },
  };
}

export interface TestGateway {
  readonly url: string;
  readonly gateway: LocalGateway;
  readonly dir: string;
  /** Creates a user and returns their API key. */
  user(input: NewUser): Promise<string>;
  /** A connected MCP SDK client using the key. */
  client(key: string): Promise<Client>;
  close(): Promise<void>;
}

/**
 * The cast of the approval tests, each with access to the `test` hosts: two operators who ask
 * (olive, oscar) and an approver who decides (ann). Their API keys by name.
 */
export async function approvalCast(gw: TestGateway): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [name, role] of [
    ['olive', 'operator'],
    ['oscar', 'operator'],
    ['ann', 'approver'],
  ] as const)
    keys[name] = await gw.user({ name, role, access: { tags: ['test'] } });
  return keys;
}

export interface StartGatewayOptions {
  /** Default `oauth`, as `serve` does. */
  readonly auth?: 'oauth' | 'key';
  /** Client ID metadata documents may be served from 127.0.0.1 over http. */
  readonly allowLoopbackClientIds?: boolean;
  /** More Host values to serve (a proxy in front of the gateway). */
  readonly extraAllowedHosts?: readonly string[];
  /** An on-disk store in this directory, which CLI commands given `--data` reach while it runs. */
  readonly dataDir?: string;
}

/** The whole gateway over real HTTP: in-memory dynalite, the given fleet document, real ssh2. */
export async function startGateway(
  document: unknown,
  options: StartGatewayOptions = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'smg-gw-'));
  const configPath = join(dir, 'fleet.yaml');
  writeFileSync(configPath, stringify(document));
  const gateway = await composeLocal({
    configPath,
    store: options.dataDir ? { kind: 'embedded', dataDir: options.dataDir } : { kind: 'memory' },
    logger: silentLogger,
    auth: options.auth ?? 'oauth',
    allowLoopbackClientIds: options.allowLoopbackClientIds ?? false,
    ...(options.dataDir ? { keyDir: options.dataDir } : {}),
  });
  const port = await freePort();
  const app = createApp(gateway.deps, {
    allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`, ...(options.extraAllowedHosts ?? [])],
    ...(gateway.oauth ? { oauth: gateway.oauth } : {}),
    clientAddress: (c) => getConnInfo(c).remote.address ?? 'unknown',
    requestStateKey: gateway.requestStateKey,
  });
  const server = await serveOnNode(app, { hostname: '127.0.0.1', port });
  const clients: Client[] = [];
  return {
    url: `${server.url}/mcp`,
    gateway,
    dir,
    async user(input) {
      return (await addUser(gateway.deps.users, input, systemClock)).key;
    },
    async client(key) {
      const client = new Client({ name: 'smg-test', version: '1.0.0' });
      const transport = new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { Authorization: `Bearer ${key}` } },
      });
      await client.connect(transport);
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.allSettled(clients.map((c) => c.close()));
      await server.close();
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
