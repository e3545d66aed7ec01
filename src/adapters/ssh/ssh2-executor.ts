import type {
  ConnectOptions,
  ExecOptions,
  ExecOutcome,
  ProbeOutcome,
  SshExecutor,
  SshTarget,
} from '../../core/ports.js';
import { connectSsh, SshConnectError } from './connect.js';
import { ConnectionPool, type Lease } from './connection-pool.js';

import { ChannelOpenError, runOnConnection } from './run-on-connection.js';

export interface Ssh2ExecutorOptions {
  readonly poolIdleMs: number;
  readonly maxChannelsPerConnection?: number;
  readonly keepaliveIntervalMs?: number;
}

/**
 * The SshExecutor port on ssh2, with pooled connections: a warm call costs a channel and an exec,
 * not a handshake. A pooled connection that turns out dead is replaced transparently.
 */
export class Ssh2Executor implements SshExecutor {
  readonly pool: ConnectionPool;
  private readonly keepaliveIntervalMs: number;

  constructor(options: Ssh2ExecutorOptions) {
    this.keepaliveIntervalMs = options.keepaliveIntervalMs ?? 15_000;
    this.pool = new ConnectionPool({
      idleMs: options.poolIdleMs,
      maxChannelsPerConnection: options.maxChannelsPerConnection ?? 8,
      connect: (target, options) =>
        connectSsh(target, { ...options, keepaliveIntervalMs: this.keepaliveIntervalMs }),
    });
  }

  /**
   * Runs `command` on the target. `timeoutMs` covers everything — resolving, connecting, the
   * handshake, authentication and the command — so a host that accepts TCP and never speaks
   * costs the caller no more than the command's own timeout.
   */
  async exec(target: SshTarget, command: string, options: ExecOptions): Promise<ExecOutcome> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const left = () => options.timeoutMs - (performance.now() - started);
    for (let attempt = 0; ; attempt++) {
      let lease;
      try {
        lease = await this.acquireWithin(target, options, attempt > 0, left());
      } catch (error) {
        return {
          ...connectFailure(error),
          exitCode: null,
          stdout: '',
          stderr: '',
          truncated: false,
          durationMs: elapsed(),
        };
      }
      // A pooled connection was checked when it opened; the policy may have changed since.
      const refusal = lease.reused ? options.checkAddress?.(lease.address) : undefined;
      if (refusal) {
        lease.discard();
        return {
          status: 'denied',
          exitCode: null,
          stdout: '',
          stderr: '',
          truncated: false,
          durationMs: elapsed(),
          error: `${target.host.name}: ${refusal}`,
        };
      }
      try {
        const result = await runOnConnection(lease.client, command, {
          ...options,
          timeoutMs: Math.max(1, Math.round(left())),
        });
        lease.release();
        return { ...result, durationMs: elapsed() };
      } catch (error) {
        lease.discard();
        // Nothing ran when the channel or its exec request was refused; a stale pooled connection
        // gets one retry on a fresh connection.
        if (error instanceof ChannelOpenError && lease.reused && attempt === 0) continue;
        return {
          status: 'unreachable',
          exitCode: null,
          stdout: '',
          stderr: '',
          truncated: false,
          durationMs: elapsed(),
          error: (error as Error).message,
        };
      }
    }
  }

  /**
   * A lease within `ms`: this call stops waiting then, even for a connection another call is
   * opening (that lease, if it comes, goes back to the pool). The connection itself keeps the
   * full connect timeout, so a call with more time left that shares it is not cut short.
   */
  private async acquireWithin(
    target: SshTarget,
    options: ExecOptions,
    fresh: boolean,
    ms: number,
  ): Promise<Lease> {
    const acquiring = this.pool.acquire(target, options, { fresh });
    if (ms >= options.connectTimeoutMs) return acquiring;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          acquiring.then(
            (lease) => lease.release(),
            () => undefined,
          );
          reject(
            new SshConnectError(
              'timeout',
              `no SSH connection to ${target.host.name} within the command's ${Math.round(options.timeoutMs / 100) / 10} s timeout`,
            ),
          );
        },
        Math.max(1, Math.round(ms)),
      );
    });
    try {
      return await Promise.race([acquiring, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async probe(target: SshTarget, options: ConnectOptions): Promise<ProbeOutcome> {
    const started = performance.now();
    try {
      const { client } = await connectSsh(target, options);
      const latencyMs = Math.round(performance.now() - started);
      client.end();
      return { status: 'ok', latencyMs };
    } catch (error) {
      return { ...connectFailure(error), latencyMs: Math.round(performance.now() - started) };
    }
  }

  close(): Promise<void> {
    return this.pool.closeAll();
  }
}

function connectFailure(
  error: unknown,
): Pick<ExecOutcome, 'status' | 'error'> & { status: SshConnectError['failure'] } {
  if (error instanceof SshConnectError) return { status: error.failure, error: error.message };
  return { status: 'unreachable', error: 'connection failed' };
}
