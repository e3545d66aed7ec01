import { createHash } from 'node:crypto';
import type ssh2 from 'ssh2';
import type { ConnectOptions, SshTarget } from '../../core/ports.js';
import type { Connection } from './connect.js';

/** Opens an authenticated connection; the pool never cares how. */
export type Connector = (target: SshTarget, options: ConnectOptions) => Promise<Connection>;

export interface PoolOptions {
  /** Close connections unused for this long; 0 disables pooling (close after each use). */
  readonly idleMs: number;
  /** OpenSSH allows 10 sessions per connection by default (MaxSessions); stay below it. */
  readonly maxChannelsPerConnection: number;
  readonly connect: Connector;
  readonly now?: () => number;
}

interface Entry {
  readonly key: string;
  readonly ready: Promise<Connection>;
  established: boolean;
  alive: boolean;
  active: number;
  lastUsed: number;
  client?: ssh2.Client;
}

export interface Lease {
  readonly client: ssh2.Client;
  /** The IP address the connection reached. */
  readonly address: string;
  /** True when the connection served an earlier call: a failure to open a channel may be staleness. */
  readonly reused: boolean;
  release(): void;
  discard(): void;
}

/**
 * Keeps SSH connections per (address, port, user, credential, pinned keys) for reuse. A connection
 * is reused only while it is alive (no close/error seen) and fresh (used within `idleMs`; checked
 * on acquire too, because a frozen Lambda container runs no timers).
 */
export class ConnectionPool {
  private readonly entries = new Map<string, Entry[]>();
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: PoolOptions) {
    this.now = options.now ?? Date.now;
    if (options.idleMs > 0) {
      this.sweeper = setInterval(
        () => this.sweep(),
        Math.max(1_000, Math.min(options.idleMs, 30_000)),
      );
      this.sweeper.unref();
    }
  }

  /**
   * A connection for `target`: a pooled one with a free channel, or a new one. With `fresh`, idle
   * pooled connections to the target are dropped first (they share the fate of one that just
   * proved stale) and a new connection is opened.
   */
  async acquire(
    target: SshTarget,
    connect: ConnectOptions,
    options: { fresh?: boolean } = {},
  ): Promise<Lease> {
    const key = poolKey(target);
    const list = this.entries.get(key) ?? [];
    this.entries.set(key, list);
    if (options.fresh)
      for (const e of list.filter((e) => e.established && e.active === 0)) this.close(e);
    this.prune(list);
    let entry = options.fresh
      ? undefined
      : list.find((e) => e.alive && e.active < this.options.maxChannelsPerConnection);
    const reused = entry?.established ?? false;
    if (!entry) {
      entry = this.open(key, target, connect);
      list.push(entry);
    }
    entry.active++;
    let connection: Connection;
    try {
      connection = await entry.ready;
    } catch (error) {
      entry.active--;
      this.remove(entry);
      throw error;
    }
    entry.lastUsed = this.now();
    const leased = entry;
    let returned = false;
    return {
      client: connection.client,
      address: connection.address,
      reused,
      release: () => {
        if (returned) return;
        returned = true;
        leased.active--;
        leased.lastUsed = this.now();
        if (this.options.idleMs === 0 && leased.active === 0) this.close(leased);
      },
      discard: () => {
        if (returned) return;
        returned = true;
        leased.active--;
        this.close(leased);
      },
    };
  }

  /** Number of open or opening connections, for tests and metrics. */
  size(): number {
    let n = 0;
    for (const list of this.entries.values()) n += list.length;
    return n;
  }

  async closeAll(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    const all = [...this.entries.values()].flat();
    all.forEach((e) => this.close(e));
    await Promise.allSettled(all.map((e) => e.ready));
  }

  private open(key: string, target: SshTarget, connect: ConnectOptions): Entry {
    const entry: Entry = {
      key,
      established: false,
      alive: true,
      active: 0,
      lastUsed: this.now(),
      ready: this.options.connect(target, connect),
    };
    entry.ready.then(
      ({ client }) => {
        entry.client = client;
        entry.established = true;
        const dead = () => {
          entry.alive = false;
          this.remove(entry);
        };
        client.on('close', dead);
        client.on('end', dead);
        client.on('error', dead);
        if (!entry.alive) client.end();
      },
      () => {
        entry.alive = false;
      },
    );
    return entry;
  }

  private prune(list: Entry[]): void {
    const cutoff = this.now() - this.options.idleMs;
    for (const e of [...list]) {
      if (!e.alive) this.remove(e);
      else if (e.established && e.active === 0 && e.lastUsed < cutoff) this.close(e);
    }
  }

  private sweep(): void {
    for (const list of this.entries.values()) this.prune(list);
  }

  private close(entry: Entry): void {
    entry.alive = false;
    this.remove(entry);
    entry.client?.end();
  }

  private remove(entry: Entry): void {
    const list = this.entries.get(entry.key);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i !== -1) list.splice(i, 1);
    if (list.length === 0) this.entries.delete(entry.key);
  }
}

/** Secrets enter the key only as a digest, so a changed credential never reuses an old login. */
export function poolKey({ host, credential }: SshTarget): string {
  const secret = createHash('sha256')
    .update(
      JSON.stringify([
        credential.privateKey ?? '',
        credential.passphrase ?? '',
        credential.password ?? '',
      ]),
    )
    .digest('hex')
    .slice(0, 16);
  const keys = host.hostKeys === 'any' ? 'any' : [...host.hostKeys].sort().join(',');
  return [host.address, host.port, host.user, credential.name, secret, keys].join('|');
}
