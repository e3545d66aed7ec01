import type { Risk } from '../policy/risk.js';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'cancelled', 'lost'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED: readonly JobStatus[] = ['completed', 'cancelled', 'lost'];

export type OutputStream = 'stdout' | 'stderr';

/** A job as stored: what to run, for whom, and where it stands. */
export interface JobRecord {
  readonly id: string;
  readonly owner: string;
  readonly command: string;
  readonly tool: 'run_command' | 'start_job';
  readonly requestId: string;
  readonly timeoutSeconds: number;
  readonly idleTimeoutSeconds?: number;
  readonly createdAt: string;
  /** Epoch seconds after which the job and its output are gone. */
  readonly expiresAt: number;
  readonly status: JobStatus;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** The runner writes this every few seconds; a stale heartbeat means the runner died. */
  readonly heartbeatAt?: string;
  readonly runner?: string;
  readonly cancelRequested?: boolean;
  /** At most this many hosts at once (capped by the fleet limit). */
  readonly maxConcurrency?: number;
  /** The SSH sessions it holds open at most: its hosts to run, up to its concurrency. */
  readonly sessions?: number;
}

export const JOB_HOST_STATUSES = [
  'pending',
  'running',
  'ok',
  'failed',
  'denied',
  'approval_required',
  'unreachable',
  'timeout',
  'auth_failed',
  'hostkey_mismatch',
  'cancelled',
  'lost',
] as const;

/** One target host of a job. `pending` until its runner starts it. */
export interface JobHostRecord {
  readonly host: string;
  readonly status: (typeof JOB_HOST_STATUSES)[number];
  readonly reason?: string;
  readonly rule?: string;
  readonly risk?: Risk;
  readonly exitCode: number | null;
  readonly durationMs?: number;
  /** Bytes stored per stream; beyond the job output cap the rest is dropped and `truncated` is set. */
  readonly bytes: { readonly stdout: number; readonly stderr: number };
  readonly truncated: boolean;
  /** The first `maxOutputBytes` of each stream as text, for run_command's answer without reading chunks. */
  readonly head?: { readonly stdout: string; readonly stderr: string };
}

export interface OutputChunk {
  readonly host: string;
  readonly stream: OutputStream;
  /** Byte offset of the chunk's first byte within its stream. */
  readonly offset: number;
  readonly data: Uint8Array;
  /**
   * The raw bytes of the stream, as the host keeps them in its spool, that this chunk and those
   * before it were scrubbed from: where a reader that takes over reads on from. Set on the last
   * chunk of each write.
   */
  readonly rawEnd?: number;
}

/** Largest stored chunk; pages are found by offset, so a reader touches at most one extra chunk. */
export const MAX_CHUNK_BYTES = 32 * 1024;
