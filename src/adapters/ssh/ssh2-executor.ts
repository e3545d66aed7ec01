import { randomBytes } from 'node:crypto';
import type {
  ConnectOptions,
  ExecOptions,
  ExecOutcome,
  ProbeOutcome,
  SpoolRead,
  SshExecutor,
  SshTarget,
} from '../../core/ports.js';
import { connectSsh, SshConnectError } from './connect.js';
import { ConnectionPool, type Lease } from './connection-pool.js';
import {
  ChannelOpenError,
  ConnectionLostError,
  runOnConnection,
  runScript,
} from './run-on-connection.js';
import {
  forgetSpoolsScript,
  killSpoolScript,
  parseSpoolState,
  readSpoolScript,
  stateMark,
  sweepSpoolScript,
} from './spool-scripts.js';
import { publicMessage } from '../../core/errors.js';

/** The host's own backstop runs this long past the gateway's timeout, which fires first. */
const HOST_TIMEOUT_MARGIN_S = 5;
/** What a spool keeps of each stream when the caller does not say. */
const DEFAULT_SPOOL_BYTES = 16 * 1024 * 1024;
/** Spool names waiting for the next command on the same login to remove them, at most. */
const MAX_FORGET_PER_COMMAND = 50;
/** A login's spool is swept for leftovers at most this often, along with a removal. */
const SWEEP_EVERY_MS = 60 * 60_000;
/** A spool waiting to be removed goes on its own after this, if no command took it along. */
const FORGET_ALONE_AFTER_MS = 1_000;
/** Time a kill over its own channel may take. */
const KILL_TIMEOUT_MS = 5_000;
/** Login start-up noise before a read's state line, at most. */
const READ_HEADER_LIMIT = 4096;

export interface Ssh2ExecutorOptions {
  readonly poolIdleMs: number;
  readonly maxChannelsPerConnection?: number;
  readonly keepaliveIntervalMs?: number;
  /**
   * Spool files on a host untouched this long are removed (with a removal of recorded spools, at
   * most hourly per login): commands whose end nobody recorded in that time. Default a day.
   */
  readonly spoolRetentionMinutes?: number;
}

/**
 * The SshExecutor port on ssh2, with pooled connections: a warm call costs a channel and an exec,
 * not a handshake. A pooled connection that turns out dead is replaced transparently.
 */
export class Ssh2Executor implements SshExecutor {
  readonly pool: ConnectionPool;
  private readonly keepaliveIntervalMs: number;
  private readonly spoolRetentionMinutes: number;
  /** Per login (address, port, user): spool entries to remove with its next command. */
  private readonly forgetting = new Map<
    string,
    { target: SshTarget; names: string[]; timer?: NodeJS.Timeout }
  >();
  /** Per login: when its spool was last swept for leftovers. */
  private readonly lastSweep = new Map<string, number>();
  /** Per login: the address check of its last command, for a removal sent on its own. */
  private readonly lastCheck = new Map<string, ConnectOptions['checkAddress']>();

  constructor(options: Ssh2ExecutorOptions) {
    this.keepaliveIntervalMs = options.keepaliveIntervalMs ?? 15_000;
    this.spoolRetentionMinutes = options.spoolRetentionMinutes ?? 24 * 60;
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
      this.lastCheck.set(loginKey(target), options.checkAddress);
      const forget = this.takeForgotten(target);
      const spool = options.spool ?? randomBytes(12).toString('base64url');
      try {
        const timeoutMs = Math.max(1, Math.round(left()));
        const result = await runOnConnection(lease.client, command, {
          ...options,
          timeoutMs,
          spool: {
            name: spool,
            timeoutSeconds: Math.ceil(timeoutMs / 1000) + HOST_TIMEOUT_MARGIN_S,
            maxBytes: options.spoolBytes ?? DEFAULT_SPOOL_BYTES,
            ...(options.idleTimeoutMs
              ? { idleSeconds: Math.ceil(options.idleTimeoutMs / 1000) + HOST_TIMEOUT_MARGIN_S }
              : {}),
            forget,
          },
        });
        lease.release();
        // Nobody will read back a spool the caller did not name.
        if (options.spool === undefined) this.forgetSpool(target, spool);
        return { ...result, durationMs: elapsed() };
      } catch (error) {
        lease.discard();
        for (const name of forget) this.forgetSpool(target, name);
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
          error: publicMessage(error, 'the SSH channel failed'),
          ...(error instanceof ConnectionLostError
            ? { connectionLost: true, ...(error.unspooled ? { unspooled: true } : {}) }
            : {}),
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
    options: ConnectOptions & { readonly timeoutMs: number },
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

  async readSpool(
    target: SshTarget,
    spool: string,
    from: { readonly stdout: number; readonly stderr: number },
    options: ConnectOptions & { readonly maxBytes: number; readonly timeoutMs: number },
  ): Promise<SpoolRead> {
    const started = performance.now();
    let lease: Lease;
    try {
      lease = await this.acquireWithin(target, { ...options }, false, options.timeoutMs);
    } catch (error) {
      const failure = connectFailure(error);
      return { state: 'unreachable', status: failure.status, error: failure.error ?? '' };
    }
    try {
      const nonce = randomBytes(9).toString('hex');
      const result = await runScript(
        lease.client,
        readSpoolScript(spool, from, options.maxBytes, nonce),
        {
          timeoutMs: Math.max(1, options.timeoutMs - (performance.now() - started)),
          maxBytes: options.maxBytes + READ_HEADER_LIMIT,
        },
      );
      lease.release();
      // A login's start-up files may print before the script: the state line is the first of ours.
      const at = result.stdout.indexOf(stateMark(nonce));
      const eol = at < 0 ? -1 : result.stdout.indexOf(0x0a, at);
      const state =
        eol < 0
          ? undefined
          : parseSpoolState(result.stdout.subarray(at, eol).toString('latin1'), nonce);
      if (!state)
        return {
          state: 'unreachable',
          status: 'unreachable',
          error: "the login shell did not run the gateway's spool reader (not a POSIX shell?)",
        };
      return { ...state, stdout: result.stdout.subarray(eol + 1), stderr: result.stderr };
    } catch (error) {
      lease.discard();
      return {
        state: 'unreachable',
        status: 'unreachable',
        error: publicMessage(error, 'the SSH channel failed'),
      };
    }
  }

  async killSpool(target: SshTarget, spool: string, options: ConnectOptions): Promise<void> {
    try {
      const lease = await this.acquireWithin(
        target,
        { ...options, timeoutMs: KILL_TIMEOUT_MS },
        false,
        KILL_TIMEOUT_MS,
      );
      try {
        await runScript(lease.client, killSpoolScript(spool), {
          timeoutMs: KILL_TIMEOUT_MS,
          maxBytes: 1024,
        });
        lease.release();
      } catch {
        lease.discard();
      }
    } catch {
      // Unreachable: nothing to stop from here; the host's own timeout still bounds the command.
    }
  }

  /**
   * Removes the spool with the next command on the same login if one comes within a second, and
   * on its own otherwise (one request for every name waiting by then).
   */
  forgetSpool(target: SshTarget, spool: string): void {
    const key = loginKey(target);
    const entry = this.forgetting.get(key) ?? { target, names: [] };
    entry.names.push(spool);
    if (!entry.timer) {
      entry.timer = setTimeout(() => void this.removeForgotten(key), FORGET_ALONE_AFTER_MS);
      entry.timer.unref();
    }
    this.forgetting.set(key, entry);
  }

  /** Spool names for the next command on this login to remove. */
  private takeForgotten(target: SshTarget): string[] {
    const key = loginKey(target);
    const entry = this.forgetting.get(key);
    if (!entry?.names.length) return [];
    const taken = entry.names.splice(0, MAX_FORGET_PER_COMMAND);
    if (entry.names.length === 0) {
      clearTimeout(entry.timer);
      this.forgetting.delete(key);
    }
    return taken;
  }

  /** Sends the removal of a login's waiting spool names on its own; never throws. */
  private async removeForgotten(key: string): Promise<void> {
    const entry = this.forgetting.get(key);
    if (!entry) return;
    this.forgetting.delete(key);
    clearTimeout(entry.timer);
    const check = this.lastCheck.get(key);
    try {
      const lease = await this.acquireWithin(
        entry.target,
        {
          connectTimeoutMs: KILL_TIMEOUT_MS,
          timeoutMs: KILL_TIMEOUT_MS,
          ...(check ? { checkAddress: check } : {}),
        },
        false,
        KILL_TIMEOUT_MS,
      );
      try {
        // Now and then, the spool's forgotten leftovers go too (commands nobody recorded).
        const sweep = (this.lastSweep.get(key) ?? 0) + SWEEP_EVERY_MS < Date.now();
        if (sweep) this.lastSweep.set(key, Date.now());
        for (let i = 0; i < entry.names.length; i += MAX_FORGET_PER_COMMAND) {
          const names = entry.names.slice(i, i + MAX_FORGET_PER_COMMAND);
          await runScript(
            lease.client,
            [
              forgetSpoolsScript(names),
              ...(sweep && i === 0 ? [sweepSpoolScript(this.spoolRetentionMinutes)] : []),
            ].join('; '),
            { timeoutMs: KILL_TIMEOUT_MS, maxBytes: 1024 },
          );
        }
        lease.release();
      } catch {
        lease.discard();
      }
    } catch {
      // The host is out of reach: its retention sweep removes these in time.
    }
  }

  /** Sends what removals are waiting, then closes every connection. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.forgetting.keys()].map((key) => this.removeForgotten(key)));
    await this.pool.closeAll();
  }
}

const loginKey = (target: SshTarget) =>
  `${target.host.address}\0${target.host.port}\0${target.host.user}`;

function connectFailure(
  error: unknown,
): Pick<ExecOutcome, 'status' | 'error'> & { status: SshConnectError['failure'] } {
  if (error instanceof SshConnectError) return { status: error.failure, error: error.message };
  return { status: 'unreachable', error: publicMessage(error, 'connection failed') };
}
