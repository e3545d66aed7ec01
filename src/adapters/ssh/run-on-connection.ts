import type ssh2 from 'ssh2';
import { randomBytes } from 'node:crypto';
import {
  pidMark,
  pinnedShellCommand,
  UNSPOOLED_MARK,
  wrapperFailure,
  type SpoolSpec,
} from './pinned-shell.js';
import { killSessionScript } from './spool-scripts.js';
import { AppError } from '../../core/errors.js';

/** The channel could not be opened or its exec request was refused: nothing ran, so a retry is safe. */
export class ChannelOpenError extends AppError {
  override readonly name = 'ChannelOpenError';
  constructor(message: string) {
    super('UNREACHABLE', message);
  }
}

/** The connection died while the command ran: it may have partly run, so never retry. */
export class ConnectionLostError extends AppError {
  override readonly name = 'ConnectionLostError';
  constructor(
    message: string,
    /** The command ran without a spool: nothing on the host says how it ends. */
    readonly unspooled = false,
  ) {
    super('UNREACHABLE', message);
  }
}

export interface ChannelResult {
  status: 'ok' | 'failed' | 'timeout' | 'cancelled';
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  truncated: boolean;
  error?: string;
  /** Nothing was sent: the command never started. */
  notStarted?: boolean;
  /** The host could not keep the command's spool; it ran without one. */
  unspooled?: boolean;
}

const KILL_WAIT_MS = 2_000;
const MAX_WIRE_LENGTH = 120_000;
/** Output before the PID line that is still start-up noise; past it, nothing was a wrapper. */
const HEADER_LIMIT = 4096;

class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly cap: number) {}
  push(chunk: Buffer): void {
    const room = this.cap - this.size;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }
  text(): string {
    return this.bytes().toString('utf8');
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly idleTimeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Closes the channel and leaves the command running on the host (its spool keeps the rest). */
  readonly release?: AbortSignal;
  /** The wrapper's PID line arrived: the command runs, under its supervisor. */
  readonly onStart?: () => void;
  /**
   * Output as it arrives. A returned promise pauses both streams until it settles: the SSH window
   * then closes, and the command waits on its output as on a slow terminal.
   */
  readonly onData?: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => void | Promise<unknown>;
  /** Where the host keeps the command's state (the call's own PID mark is added here). */
  readonly spool: Omit<SpoolSpec, 'nonce'>;
}

/**
 * Runs one command on an open connection with an output cap, a timeout, an optional idle timeout
 * (reset by any output) and an abort signal; each of the three kills the remote process group.
 */
export function runOnConnection(
  client: ssh2.Client,
  command: string,
  options: RunOptions,
): Promise<ChannelResult> {
  const nonce = randomBytes(9).toString('hex');
  const pidLine = new RegExp(`(?:^|\n)${pidMark(nonce)}(\\d+)(${UNSPOOLED_MARK})?\n`);
  const wire = pinnedShellCommand(command, { ...options.spool, nonce });
  // Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN); the login shell gets one.
  if (wire.length > MAX_WIRE_LENGTH) {
    return Promise.resolve({
      status: 'failed',
      exitCode: null,
      stdout: '',
      stderr: '',
      truncated: false,
      error: `the command is too long once encoded for the host (${wire.length} bytes, at most ${MAX_WIRE_LENGTH}); nothing ran — split it up`,
    });
  }
  // Cancelled or let go while connecting: nothing is started (once sent, it would run on).
  if (options.signal?.aborted || options.release?.aborted)
    return Promise.resolve({
      status: 'cancelled',
      exitCode: null,
      stdout: '',
      stderr: '',
      truncated: false,
      error: 'stopped before it started; nothing ran',
      notStarted: true,
    });
  return new Promise((resolve, reject) => {
    client.exec(wire, (err, stream) => {
      if (err) return reject(new ChannelOpenError(err.message));
      // Nobody types into a command: a program that reads its input sees EOF, not a wait until the timeout.
      stream.end();
      const stdout = new CappedBuffer(options.maxOutputBytes);
      const stderr = new CappedBuffer(options.maxOutputBytes);
      // What a login shell says when the wrapper never runs, whatever the caller keeps itself.
      const shellSaid = new CappedBuffer(HEADER_LIMIT);
      let header: Buffer | undefined = Buffer.alloc(0);
      let pid: number | undefined;
      let unspooled = false;
      let exitCode: number | null = null;
      let exitSignal: string | undefined;
      let exited = false;
      let stopped: { status: 'timeout' | 'cancelled'; error: string } | undefined;
      let done = false;
      let idleTimer: NodeJS.Timeout | undefined;

      const finish = (result: ChannelResult | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearTimeout(idleTimer);
        options.signal?.removeEventListener('abort', onAbort);
        options.release?.removeEventListener('abort', onRelease);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const stoppedResult = (how: NonNullable<typeof stopped>): ChannelResult => ({
        status: how.status,
        exitCode: null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        error: how.error,
      });
      const stop = (status: 'timeout' | 'cancelled', error: string) => {
        if (stopped || done) return;
        const how = { status, error };
        stopped = how;
        void killGroup(client, pid).finally(() => {
          stream.close();
          finish(stoppedResult(how));
        });
      };
      const armIdle = () => {
        const idleMs = options.idleTimeoutMs;
        if (!idleMs) return;
        clearTimeout(idleTimer);
        idleTimer = setTimeout(
          () =>
            stop(
              'timeout',
              `the command printed nothing for ${idleMs / 1000} s (idle timeout) and was killed`,
            ),
          idleMs,
        );
      };
      const onAbort = () => stop('cancelled', 'cancelled; the command was killed');
      const onRelease = () => {
        if (stopped || done) return;
        stopped = { status: 'cancelled', error: 'let go: the command goes on on the host' };
        stream.close();
        finish(stoppedResult(stopped));
      };
      const deliver = (which: 'stdout' | 'stderr', chunk: Buffer) => {
        if (chunk.length === 0) return;
        armIdle();
        (which === 'stdout' ? stdout : stderr).push(chunk);
        if (which === 'stderr' && pid === undefined) shellSaid.push(chunk);
        const busy = options.onData?.(which, chunk);
        if (busy && !paused) {
          paused = true;
          stream.pause();
          stream.stderr.pause();
          void busy.then(resume, resume);
        }
      };
      let paused = false;
      const resume = () => {
        paused = false;
        stream.resume();
        stream.stderr.resume();
      };
      armIdle();
      if (options.signal?.aborted) queueMicrotask(onAbort);
      else options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.release?.aborted) queueMicrotask(onRelease);
      else options.release?.addEventListener('abort', onRelease, { once: true });

      stream.on('data', (chunk: Buffer) => {
        if (header === undefined) return deliver('stdout', chunk);
        header = Buffer.concat([header, chunk]);
        // A login shell's start-up files may print before the wrapper runs: skip to the PID line.
        const found = pidLine.exec(header.toString('latin1'));
        if (!found && header.length < HEADER_LIMIT) return;
        if (found?.[1]) {
          pid = Number(found[1]);
          unspooled = found[2] !== undefined;
          options.onStart?.();
        }
        const rest = found ? header.subarray(found.index + found[0].length) : header;
        header = undefined;
        deliver('stdout', rest);
      });
      stream.stderr.on('data', (chunk: Buffer) => deliver('stderr', chunk));
      stream.on('exit', (code: number | null, signal?: string) => {
        exited = true;
        exitCode = code ?? null;
        exitSignal = signal ?? undefined;
      });
      stream.on('close', () => {
        // A stopped command is reported once its killer has finished (bounded by KILL_WAIT_MS).
        if (stopped) return;
        if (!exited)
          return finish(
            new ConnectionLostError('the connection closed before the command finished', unspooled),
          );
        // The wrapper prints the PID line before anything runs: without it, nothing ran.
        if (pid === undefined) {
          return finish({
            status: 'failed',
            exitCode,
            stdout: '',
            stderr: '',
            truncated: false,
            error: wrapperFailure(exitCode, shellSaid.text()),
          });
        }
        finish({
          status: exitCode === 0 ? 'ok' : 'failed',
          exitCode,
          ...(exitSignal ? { signal: exitSignal, error: `killed by signal ${exitSignal}` } : {}),
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncated: stdout.truncated || stderr.truncated,
          ...(unspooled ? { unspooled } : {}),
        });
      });

      const timer = setTimeout(
        () =>
          stop(
            'timeout',
            `the command did not finish within ${options.timeoutMs / 1000} s and was killed`,
          ),
        options.timeoutMs,
      );
    });
  });
}

/**
 * Kills the remote session over a second channel (programs like `timeout` move their child into a
 * process group of its own, but not out of the session), then the group; bounded wait, never throws.
 */
function killGroup(client: ssh2.Client, pid: number | undefined): Promise<void> {
  if (pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, KILL_WAIT_MS);
    try {
      client.exec(killSessionScript(String(pid)), (err, stream) => {
        if (err) return (clearTimeout(timer), resolve());
        stream.on('close', () => (clearTimeout(timer), resolve()));
        stream.resume();
        stream.stderr.resume();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export interface ScriptResult {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exitCode: number | null;
}

/**
 * Runs one of the gateway's fixed scripts (no user command: nothing to pin) and collects up to
 * `maxBytes` of each stream; the channel is closed after `timeoutMs`.
 */
export function runScript(
  client: ssh2.Client,
  script: string,
  options: { readonly timeoutMs: number; readonly maxBytes: number },
): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    client.exec(script, (err, stream) => {
      if (err) return reject(new ChannelOpenError(err.message));
      stream.end();
      const stdout = new CappedBuffer(options.maxBytes);
      const stderr = new CappedBuffer(options.maxBytes);
      let exitCode: number | null = null;
      let exited = false;
      const timer = setTimeout(() => {
        stream.close();
        reject(new ConnectionLostError(`the host did not answer within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      stream.on('data', (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null) => {
        exited = true;
        exitCode = code ?? null;
      });
      stream.on('close', () => {
        clearTimeout(timer);
        if (!exited)
          return reject(new ConnectionLostError('the connection closed before the script ended'));
        resolve({ stdout: stdout.bytes(), stderr: stderr.bytes(), exitCode });
      });
    });
  });
}
