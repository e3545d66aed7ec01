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
  const wire = pinnedShellCommand(command, { ...options.spool, nonce });
  const refused = refusedBeforeSending(wire, options);
  if (refused) return Promise.resolve(refused);
  return new Promise((resolve, reject) => {
    client.exec(wire, (err, stream) => {
      if (err) return reject(new ChannelOpenError(err.message));
      new ChannelWatch(client, stream, options, nonce, (result) =>
        result instanceof Error ? reject(result) : resolve(result),
      ).start();
    });
  });
}

/** What is answered without sending anything: a command too long to hand over, or one stopped already. */
function refusedBeforeSending(wire: string, options: RunOptions): ChannelResult | undefined {
  const nothing = { exitCode: null, stdout: '', stderr: '', truncated: false };
  // Linux refuses a single argument over 128 KiB (MAX_ARG_STRLEN); the login shell gets one.
  if (wire.length > MAX_WIRE_LENGTH)
    return {
      ...nothing,
      status: 'failed',
      error: `the command is too long once encoded for the host (${wire.length} bytes, at most ${MAX_WIRE_LENGTH}); nothing ran — split it up`,
    };
  // Cancelled or let go while connecting: nothing is started (once sent, it would run on).
  if (options.signal?.aborted || options.release?.aborted)
    return {
      ...nothing,
      status: 'cancelled',
      error: 'stopped before it started; nothing ran',
      notStarted: true,
    };
  return undefined;
}

type Stopped = { status: 'timeout' | 'cancelled'; error: string };

/**
 * One command's channel, watched from the exec to its one result: the wrapper's PID line taken
 * off stdout (a login's start-up noise before it skipped), output kept and handed on (its
 * consumer's pace pausing both streams), and the ways it ends — the command exits; the timeout,
 * the idle timeout or a cancel kills its session; a release lets it go on on the host; or the
 * connection drops under it.
 */
class ChannelWatch {
  private readonly stdout: CappedBuffer;
  private readonly stderr: CappedBuffer;
  /** What a login shell says when the wrapper never runs, whatever the caller keeps itself. */
  private readonly shellSaid = new CappedBuffer(HEADER_LIMIT);
  private readonly pidLine: RegExp;
  private header: Buffer | undefined = Buffer.alloc(0);
  private pid: number | undefined;
  private unspooled = false;
  private exitCode: number | null = null;
  private exitSignal: string | undefined;
  private exited = false;
  private stopped: Stopped | undefined;
  private done = false;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: ssh2.Client,
    private readonly stream: ssh2.ClientChannel,
    private readonly options: RunOptions,
    nonce: string,
    private readonly settle: (result: ChannelResult | Error) => void,
  ) {
    this.stdout = new CappedBuffer(options.maxOutputBytes);
    this.stderr = new CappedBuffer(options.maxOutputBytes);
    this.pidLine = new RegExp(`(?:^|\n)${pidMark(nonce)}(\\d+)(${UNSPOOLED_MARK})?\n`);
  }

  start(): void {
    const { stream, options } = this;
    // Nobody types into a command: a program that reads its input sees EOF, not a wait until the timeout.
    stream.end();
    this.armIdle();
    if (options.signal?.aborted) queueMicrotask(this.onAbort);
    else options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.release?.aborted) queueMicrotask(this.onRelease);
    else options.release?.addEventListener('abort', this.onRelease, { once: true });
    stream.on('data', (chunk: Buffer) => this.onStdout(chunk));
    stream.stderr.on('data', (chunk: Buffer) => this.deliver('stderr', chunk));
    stream.on('exit', (code: number | null, signal?: string) => {
      this.exited = true;
      this.exitCode = code ?? null;
      this.exitSignal = signal ?? undefined;
    });
    stream.on('close', () => this.onClose());
    this.timer = setTimeout(
      () =>
        this.stop(
          'timeout',
          `the command did not finish within ${options.timeoutMs / 1000} s and was killed`,
        ),
      options.timeoutMs,
    );
  }

  private finish(result: ChannelResult | Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    this.options.signal?.removeEventListener('abort', this.onAbort);
    this.options.release?.removeEventListener('abort', this.onRelease);
    this.settle(result);
  }

  private stoppedResult(how: Stopped): ChannelResult {
    return {
      status: how.status,
      exitCode: null,
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      truncated: this.stdout.truncated || this.stderr.truncated,
      error: how.error,
      ...(this.unspooled ? { unspooled: true } : {}),
    };
  }

  /** Kills the command's session, then answers (bounded by KILL_WAIT_MS). */
  private stop(status: Stopped['status'], error: string): void {
    if (this.stopped || this.done) return;
    const how = { status, error };
    this.stopped = how;
    void killGroup(this.client, this.pid).finally(() => {
      this.stream.close();
      this.finish(this.stoppedResult(how));
    });
  }

  private armIdle(): void {
    const idleMs = this.options.idleTimeoutMs;
    if (!idleMs) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () =>
        this.stop(
          'timeout',
          `the command printed nothing for ${idleMs / 1000} s (idle timeout) and was killed`,
        ),
      idleMs,
    );
  }

  private readonly onAbort = () => this.stop('cancelled', 'cancelled; the command was killed');

  /**
   * Let go: the channel closes, and the command goes on on its host — unless the host keeps no
   * spool for it, where nothing could follow or stop it after: then it is stopped now.
   */
  private readonly onRelease = () => {
    if (this.stopped || this.done) return;
    if (this.unspooled)
      return this.stop(
        'cancelled',
        'let go on a host that kept no spool to follow the command by, so it was stopped',
      );
    this.stopped = { status: 'cancelled', error: 'let go: the command goes on on the host' };
    this.stream.close();
    this.finish(this.stoppedResult(this.stopped));
  };

  /** Until the PID line, stdout is header: a login shell's start-up files may print before it. */
  private onStdout(chunk: Buffer): void {
    if (this.header === undefined) return this.deliver('stdout', chunk);
    this.header = Buffer.concat([this.header, chunk]);
    const found = this.pidLine.exec(this.header.toString('latin1'));
    if (!found && this.header.length < HEADER_LIMIT) return;
    if (found?.[1]) {
      this.pid = Number(found[1]);
      this.unspooled = found[2] !== undefined;
      this.options.onStart?.();
    }
    const rest = found ? this.header.subarray(found.index + found[0].length) : this.header;
    this.header = undefined;
    this.deliver('stdout', rest);
  }

  private deliver(which: 'stdout' | 'stderr', chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.armIdle();
    (which === 'stdout' ? this.stdout : this.stderr).push(chunk);
    if (which === 'stderr' && this.pid === undefined) this.shellSaid.push(chunk);
    const busy = this.options.onData?.(which, chunk);
    if (busy && !this.paused) {
      this.paused = true;
      this.stream.pause();
      this.stream.stderr.pause();
      void busy.then(this.resume, this.resume);
    }
  }

  private readonly resume = () => {
    this.paused = false;
    this.stream.resume();
    this.stream.stderr.resume();
  };

  private onClose(): void {
    // A stopped command is reported once its killer has finished (bounded by KILL_WAIT_MS).
    if (this.stopped) return;
    if (!this.exited)
      return this.finish(
        new ConnectionLostError(
          'the connection closed before the command finished',
          this.unspooled,
        ),
      );
    // The wrapper prints the PID line before anything runs: without it, nothing ran.
    if (this.pid === undefined)
      return this.finish({
        status: 'failed',
        exitCode: this.exitCode,
        stdout: '',
        stderr: '',
        truncated: false,
        error: wrapperFailure(this.exitCode, this.shellSaid.text()),
      });
    this.finish({
      status: this.exitCode === 0 ? 'ok' : 'failed',
      exitCode: this.exitCode,
      ...(this.exitSignal
        ? { signal: this.exitSignal, error: `killed by signal ${this.exitSignal}` }
        : {}),
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      truncated: this.stdout.truncated || this.stderr.truncated,
      ...(this.unspooled ? { unspooled: true } : {}),
    });
  }
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
