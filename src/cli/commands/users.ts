import { randomUUID } from 'node:crypto';
import { openStore, type OpenedStore } from '../../compose/store.js';
import { systemClock } from '../../core/ports.js';
import { addUser, revokeUser, rotateKey } from '../../core/users/user-admin.js';
import type { CliIO } from '../io.js';
import { UsageError } from '../io.js';
import { STORE_OPTIONS, csv, parse, storeMode } from '../store-options.js';
import { NotFoundError } from '../../core/errors.js';
import { existsSync } from 'node:fs';
import { loadFleetFile } from '../../adapters/config/file-fleet-source.js';
import { TOOLSETS } from '../../mcp/define-tool.js';
import { isToolset } from '../../mcp/tool-filter.js';

/** Profile names the fleet config defines, when the config file exists (else no check is possible). */
function knownProfiles(configPath: string | undefined): string[] | undefined {
  if (!configPath || !existsSync(configPath)) return undefined;
  return [...loadFleetFile(configPath).policies.profiles.keys()];
}

/** Records an administrative action in the audit chain, attributed to the CLI. */
export function auditAdmin(store: OpenedStore, detail: string) {
  return store.audit.append({
    type: 'admin',
    requestId: `cli-${randomUUID()}`,
    user: 'cli',
    detail,
  });
}

export async function withStore<T>(
  values: Parameters<typeof storeMode>[0],
  work: (store: OpenedStore) => Promise<T>,
): Promise<T> {
  const store = await openStore(storeMode(values), systemClock);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

export function printKey(io: CliIO, key: string): void {
  io.out('API key (shown once; store it now):');
  io.out(`  ${key}`);
}

const USERS_OPTIONS = {
  ...STORE_OPTIONS,
  role: { type: 'string' },
  hosts: { type: 'string' },
  groups: { type: 'string' },
  tags: { type: 'string' },
  policy: { type: 'string' },
  toolsets: { type: 'string' },
  'read-only': { type: 'boolean' },
  'read-write': { type: 'boolean' },
  config: { type: 'string', default: 'fleet.yaml' },
} as const;

type UsersArgs = ReturnType<typeof parse<typeof USERS_OPTIONS>>;

const USERS_ACTIONS: Record<string, (args: UsersArgs, io: CliIO) => Promise<number>> = {
  add: addCommand,
  list: listCommand,
  'set-policy': setPolicyCommand,
  'set-tools': setToolsCommand,
  revoke: revokeCommand,
};

export async function usersCommand(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  const run = action ? USERS_ACTIONS[action] : undefined;
  if (!run) throw new UsageError(`users ${Object.keys(USERS_ACTIONS).join('|')}`);
  return run(parse(rest, USERS_OPTIONS), io);
}

async function addCommand({ values, positionals }: UsersArgs, io: CliIO): Promise<number> {
  const name = positionals[0];
  const role = values.role;
  if (!name || !role)
    throw new UsageError(
      'users add NAME --role viewer|operator|approver|admin [--hosts a,b] [--groups g] [--tags t] [--policy PROFILE] [--toolsets a,b] [--read-only]',
    );
  const toolsets = toolsetsOption(values.toolsets);
  const known = knownProfiles(values.config);
  if (values.policy && known && !known.includes(values.policy))
    throw new UsageError(
      `profile "${values.policy}" is not defined in ${values.config}; known: ${known.join(', ')}`,
    );
  return withStore(values, async (store) => {
    const created = await addUser(
      store.users,
      {
        name,
        role,
        access: { hosts: csv(values.hosts), groups: csv(values.groups), tags: csv(values.tags) },
        ...(values.policy ? { policy: values.policy } : {}),
        ...(toolsets && !toolsets.includes('all') ? { toolsets } : {}),
        ...(values['read-only'] ? { readOnly: true } : {}),
      },
      systemClock,
    );
    await auditAdmin(store, `users add ${name} role=${created.user.role} key=${created.keyId}`);
    io.out(`Created user ${name} (role ${created.user.role}).`);
    printKey(io, created.key);
    return 0;
  });
}

async function listCommand({ values }: UsersArgs, io: CliIO): Promise<number> {
  return withStore(values, async (store) => {
    const users = await store.users.listUsers();
    if (users.length === 0)
      io.out(
        'No users yet. Add one with: ssh-mcp-gateway users add NAME --role operator --tags TAG',
      );
    for (const u of users) {
      const keys = await store.users.listKeys(u.name);
      const access =
        u.role === 'admin'
          ? 'all hosts'
          : `hosts=[${u.access.hosts.join(',')}] groups=[${u.access.groups.join(',')}] tags=[${u.access.tags.join(',')}]`;
      const tools = `tools=${u.toolsets ? u.toolsets.join(',') : 'all'}${u.readOnly ? ',read-only' : ''}`;
      io.out(
        `${u.name}\t${u.role}\t${u.disabled ? 'REVOKED' : 'active'}\t${keys.length} key(s)\t${access}\tpolicy=${u.policy ?? 'default'}\t${tools}`,
      );
    }
    return 0;
  });
}

async function setPolicyCommand({ values, positionals }: UsersArgs, io: CliIO): Promise<number> {
  const [name, profile] = positionals;
  if (!name || !profile)
    throw new UsageError(
      'users set-policy NAME PROFILE [--config fleet.yaml]   (PROFILE "default" clears it)',
    );
  const known = knownProfiles(values.config);
  if (profile !== 'default' && known && !known.includes(profile))
    throw new UsageError(
      `profile "${profile}" is not defined in ${values.config}; known: ${known.join(', ')}`,
    );
  return withStore(values, async (store) => {
    const { policy: _old, ...rest } = await existingUser(store, name);
    await store.users.putUser(profile === 'default' ? rest : { ...rest, policy: profile });
    await auditAdmin(store, `users set-policy ${name} ${profile}`);
    io.out(
      `${name} now uses policy profile ${profile === 'default' ? 'the fleet default' : profile}; it applies from their next request.`,
    );
    return 0;
  });
}

/** Narrows (or widens again) the MCP tools a user sees: toolsets, and a read-only switch. */
async function setToolsCommand({ values, positionals }: UsersArgs, io: CliIO): Promise<number> {
  const name = positionals[0];
  const usage = `users set-tools NAME [--toolsets ${TOOLSETS.join(',')}|all] [--read-only | --read-write]`;
  if (!name || (values.toolsets === undefined && !values['read-only'] && !values['read-write']))
    throw new UsageError(usage);
  if (values['read-only'] && values['read-write'])
    throw new UsageError(`--read-only and --read-write contradict each other; ${usage}`);
  const toolsets = toolsetsOption(values.toolsets);
  return withStore(values, async (store) => {
    const { toolsets: oldSets, readOnly: oldReadOnly, ...rest } = await existingUser(store, name);
    const sets = toolsets === undefined ? oldSets : toolsets.includes('all') ? undefined : toolsets;
    const readOnly = values['read-only'] ? true : values['read-write'] ? false : oldReadOnly;
    await store.users.putUser({
      ...rest,
      ...(sets ? { toolsets: sets } : {}),
      ...(readOnly ? { readOnly: true } : {}),
    });
    const shown = `${sets ? `toolsets ${sets.join(', ')}` : 'every toolset'}${readOnly ? ', read-only tools only' : ''}`;
    await auditAdmin(store, `users set-tools ${name} ${shown}`);
    io.out(`${name} now sees ${shown}; it applies from their next request.`);
    return 0;
  });
}

async function revokeCommand({ values, positionals }: UsersArgs, io: CliIO): Promise<number> {
  const name = positionals[0];
  if (!name) throw new UsageError('users revoke NAME');
  return withStore(values, async (store) => {
    const { revokedKeys } = await revokeUser(store.users, name);
    await auditAdmin(store, `users revoke ${name} keys=${revokedKeys}`);
    io.out(
      `Revoked ${name}: ${revokedKeys} key(s) deleted; their next request, with a key or an OAuth token, gets 401.`,
    );
    return 0;
  });
}

/** --toolsets a,b as names the gateway knows ("all" among them: every toolset); refused otherwise. */
function toolsetsOption(value: string | undefined): string[] | undefined {
  const toolsets = value === undefined ? undefined : csv(value);
  const unknown = toolsets?.filter((t) => t !== 'all' && !isToolset(t)) ?? [];
  if (unknown.length > 0 || toolsets?.length === 0)
    throw new UsageError(
      `unknown toolsets: ${unknown.join(', ') || '(none given)'}; known: ${TOOLSETS.join(', ')}, or "all"`,
    );
  return toolsets;
}

async function existingUser(store: OpenedStore, name: string) {
  const user = await store.users.getUser(name);
  if (!user) throw new NotFoundError(`no user "${name}"; "users list" shows who exists`);
  return user;
}

export async function keysCommand(args: string[], io: CliIO): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, {
    ...STORE_OPTIONS,
    'keep-old': { type: 'boolean', default: false },
  });
  const name = positionals[0];
  if (!name || (action !== 'rotate' && action !== 'list'))
    throw new UsageError('keys rotate NAME [--keep-old] | keys list NAME');
  return withStore(values, async (store) => {
    if (action === 'list') {
      for (const k of await store.users.listKeys(name))
        io.out(`${k.keyId}\tcreated ${k.createdAt}`);
      return 0;
    }
    const rotated = await rotateKey(store.users, name, systemClock, {
      keepOld: values['keep-old'],
    });
    await auditAdmin(
      store,
      `keys rotate ${name} new=${rotated.keyId} revoked=${rotated.revoked.join(',')}`,
    );
    io.out(
      `New key ${rotated.keyId} for ${name}; ${rotated.revoked.length ? `revoked ${rotated.revoked.join(', ')} and every OAuth token signed in with them` : 'old keys still work, and so do OAuth tokens signed in with them (--keep-old)'}.`,
    );
    printKey(io, rotated.key);
    return 0;
  });
}
