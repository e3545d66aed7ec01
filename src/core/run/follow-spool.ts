import type { CoreDeps } from '../deps.js';
import type { ExecOutcome, SpoolRead, SshTarget } from '../ports.js';
import type { OutputStream } from '../jobs/job.js';
import type { OutputWriter } from '../jobs/output-writer.js';

/** How often a command whose connection dropped is read back from its host. */
const FOLLOW_EVERY_MS = 1_000;
const READ_PAGE_BYTES = 256 * 1024;
const READ_TIMEOUT_MS = 5_000;
/** The host's own timeout fires this long after the gateway's; a follower waits for it. */
const HOST_TIMEOUT_GRACE_MS = 10_000;

/**
 * Takes a read of a host's spool into the stream writers: its bytes, and — once a stream's page
 * comes back short — that the host kept no more of it, when its spool says it stopped keeping it.
 * True when a page came back full: there is more to read at once.
 */
export function takeSpoolRead(
  writers: Record<OutputStream, OutputWriter>,
  read: Extract<SpoolRead, { stdout: Uint8Array }>,
  pageBytes: number,
): boolean {
  let more = false;
  for (const stream of ['stdout', 'stderr'] as const) {
    const writer = writers[stream];
    writer.push(read[stream]);
    if (writer.truncated) continue;
    if (read[stream].length === pageBytes) more = true;
    else if (read.cut?.[stream]) writer.endShort();
  }
  return more;
}

/** Why a command its host killed for printing nothing is over. */
export const idleKilledOnHost = (seconds: number) =>
  `the command printed nothing for ${seconds} s (idle timeout) and was killed on the host`;

export interface Followed {
  readonly outcome: ExecOutcome;
  /** Set when the command's processes are gone from the host with no exit status. */
  readonly lost?: string;
}

/**
 * The connection dropped while the command ran (sshd restarted, a network cut): the command goes
 * on on its host, whose spool this reads back from where the writers are — once a second, until
 * it ends, the job is cancelled or let go, or the command's time (and the host's grace) is up.
 * The writers get every byte the channel did not deliver, once.
 */
export async function followSpool(
  deps: Pick<CoreDeps, 'ssh'>,
  target: SshTarget,
  spool: string,
  writers: Record<OutputStream, OutputWriter>,
  options: {
    readonly dropped: ExecOutcome;
    readonly startedMs: number;
    readonly timeoutMs: number;
    /** The command's idle timeout, as its caller set it. */
    readonly idleSeconds?: number;
    readonly connectTimeoutMs: number;
    readonly checkAddress: (address: string) => string | undefined;
    readonly cancel: AbortSignal;
    readonly letGo: AbortSignal;
  },
): Promise<Followed> {
  const deadline = options.startedMs + options.timeoutMs + HOST_TIMEOUT_GRACE_MS;
  const connect = {
    connectTimeoutMs: options.connectTimeoutMs,
    checkAddress: options.checkAddress,
  };
  const took = () => Math.round(Date.now() - options.startedMs);
  const dropped = 'the connection dropped while the command ran (sshd or the network restarted?)';
  for (let wait = FOLLOW_EVERY_MS; ; wait = FOLLOW_EVERY_MS) {
    if (options.letGo.aborted) return { outcome: options.dropped };
    if (options.cancel.aborted) {
      await deps.ssh.killSpool(target, spool, connect);
      return {
        outcome: {
          ...options.dropped,
          status: 'cancelled',
          error: 'cancelled; the command was killed',
          durationMs: took(),
        },
      };
    }
    if (Date.now() > deadline)
      return {
        outcome: {
          ...options.dropped,
          durationMs: took(),
          error: `${dropped}, and the host could not be read back before the command's time was up`,
        },
      };
    const read = await deps.ssh.readSpool(
      target,
      spool,
      { stdout: writers.stdout.readFrom, stderr: writers.stderr.readFrom },
      { ...connect, maxBytes: READ_PAGE_BYTES, timeoutMs: READ_TIMEOUT_MS },
    );
    if (read.state !== 'unreachable') {
      if (takeSpoolRead(writers, read, READ_PAGE_BYTES)) wait = 0;
      else if (read.state === 'ended' && read.idleSeconds !== undefined)
        return {
          outcome: {
            ...options.dropped,
            status: 'timeout',
            exitCode: null,
            durationMs: took(),
            error: `${dropped}; ${idleKilledOnHost(options.idleSeconds ?? read.idleSeconds)}`,
          },
        };
      else if (read.state === 'ended')
        return {
          outcome: {
            ...options.dropped,
            status: read.exitCode === 0 ? 'ok' : 'failed',
            exitCode: read.exitCode,
            durationMs: took(),
            error: `${dropped}; the rest of its output and its exit status were read back from the host`,
          },
        };
      else if (read.state !== 'running')
        return {
          outcome: { ...options.dropped, durationMs: took() },
          lost:
            read.state === 'dead'
              ? `${dropped}, and the command's processes on the host are gone with no exit status (killed with the session, or the host rebooted)`
              : `${dropped}, and the command's spool on the host is gone`,
        };
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}
