import type ssh2 from 'ssh2';

/** The channel could not be opened or its exec request was refused: nothing ran, so a retry is safe. */
export class ChannelOpenError extends Error {
  override readonly name = 'ChannelOpenError';
}

/** The connection died while the command ran: it may have partly run, so never retry. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

export interface ChannelResult {
  status: 'ok' | 'failed' | 'timeout';
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  truncated: boolean;
  error?: string;
}

const PID_MARK = 'smg-pid:';
const KILL_WAIT_MS = 2_000;

/** Quotes a string as one POSIX shell word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command as sent. sshd makes the session's shell a session and process-group leader; the
 * wrapper prints that shell's PID first and then execs the command in its place, so a timeout can
 * kill the whole group (`kill -9 -PID`) — signalling the channel would only reach the shell.
 */
export function wrapCommand(command: string): string {
  return `printf '${PID_MARK}%s\\n' "$$"; exec /bin/sh -c ${shellQuote(command)}`;
}

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
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Runs one command on an open connection with an output cap and a timeout that kills it. */
export function runOnConnection(
  client: ssh2.Client,
  command: string,
  options: { timeoutMs: number; maxOutputBytes: number },
): Promise<ChannelResult> {
  return new Promise((resolve, reject) => {
    client.exec(wrapCommand(command), (err, stream) => {
      if (err) return reject(new ChannelOpenError(err.message));
      const stdout = new CappedBuffer(options.maxOutputBytes);
      const stderr = new CappedBuffer(options.maxOutputBytes);
      let header: Buffer | undefined = Buffer.alloc(0);
      let pid: number | undefined;
      let exitCode: number | null = null;
      let exitSignal: string | undefined;
      let exited = false;
      let timedOut = false;
      let done = false;

      const finish = (result: ChannelResult | Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };

      stream.on('data', (chunk: Buffer) => {
        if (header === undefined) return stdout.push(chunk);
        header = Buffer.concat([header, chunk]);
        const newline = header.indexOf(0x0a);
        if (newline === -1 && header.length < 64) return;
        const line = newline === -1 ? '' : header.subarray(0, newline).toString('latin1');
        const match = line.startsWith(PID_MARK) ? /^\d+$/.exec(line.slice(PID_MARK.length)) : null;
        if (match) pid = Number(match[0]);
        const rest = match ? header.subarray(newline + 1) : header;
        header = undefined;
        stdout.push(rest);
      });
      stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      stream.on('exit', (code: number | null, signal?: string) => {
        exited = true;
        exitCode = code ?? null;
        exitSignal = signal ?? undefined;
      });
      const timedOutResult = (): ChannelResult => ({
        status: 'timeout',
        exitCode: null,
        stdout: stdout.text(),
        stderr: stderr.text(),
        truncated: stdout.truncated || stderr.truncated,
        error: `the command did not finish within ${options.timeoutMs / 1000} s and was killed`,
      });
      stream.on('close', () => {
        if (timedOut) return finish(timedOutResult());
        if (!exited) return finish(new ConnectionLostError('the connection closed before the command finished'));
        finish({
          status: exitCode === 0 ? 'ok' : 'failed',
          exitCode,
          ...(exitSignal ? { signal: exitSignal, error: `killed by signal ${exitSignal}` } : {}),
          stdout: stdout.text(),
          stderr: stderr.text(),
          truncated: stdout.truncated || stderr.truncated,
        });
      });

      // Whichever comes first after the kill — the channel closing or the kill's own wait — reports it.
      const timer = setTimeout(() => {
        timedOut = true;
        void killGroup(client, pid).finally(() => {
          stream.close();
          finish(timedOutResult());
        });
      }, options.timeoutMs);
    });
  });
}

/** Kills the remote process group over a second channel; bounded wait, never throws. */
function killGroup(client: ssh2.Client, pid: number | undefined): Promise<void> {
  if (pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, KILL_WAIT_MS);
    try {
      client.exec(`kill -9 -${pid} 2>/dev/null || kill -9 ${pid} 2>/dev/null; true`, (err, stream) => {
        if (err) return clearTimeout(timer), resolve();
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
