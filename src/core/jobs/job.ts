import { z } from 'zod';
import { RISKS } from '../policy/risk.js';

export const JOB_STATUSES = ['queued', 'running', 'completed', 'cancelled', 'lost'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINISHED: readonly JobStatus[] = ['completed', 'cancelled', 'lost'];

export type OutputStream = 'stdout' | 'stderr';

/** A job as stored: what to run, for whom, and where it stands. The type is inferred from it. */
export const jobRecordSchema = z.object({
  id: z.string(),
  owner: z.string(),
  command: z.string(),
  tool: z.enum(['run_command', 'start_job']),
  requestId: z.string(),
  timeoutSeconds: z.number(),
  idleTimeoutSeconds: z.number().optional(),
  createdAt: z.string(),
  /** Epoch seconds after which the job and its output are gone. */
  expiresAt: z.number(),
  status: z.enum(JOB_STATUSES),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  /** The runner writes this every few seconds; a stale heartbeat means the runner died. */
  heartbeatAt: z.string().optional(),
  runner: z.string().optional(),
  cancelRequested: z.boolean().optional(),
  /** At most this many hosts at once (capped by the fleet limit). */
  maxConcurrency: z.number().int().optional(),
  /** The SSH sessions it holds open at most: its hosts to run, up to its concurrency. */
  sessions: z.number().int().optional(),
});
export type JobRecord = Readonly<z.infer<typeof jobRecordSchema>>;

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

const streamsOf = <T extends z.ZodType>(value: T) => z.object({ stdout: value, stderr: value });

/** One target host of a job, as stored. `pending` until its runner starts it. */
export const jobHostRecordSchema = z.object({
  host: z.string(),
  status: z.enum(JOB_HOST_STATUSES),
  reason: z.string().optional(),
  rule: z.string().optional(),
  risk: z.enum(RISKS).optional(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().optional(),
  /** Bytes stored per stream; beyond the job output cap the rest is dropped and `truncated` is set. */
  bytes: streamsOf(z.number().int()),
  truncated: z.boolean(),
  /** The first `maxOutputBytes` of each stream as text, for run_command's answer without reading chunks. */
  head: streamsOf(z.string()).optional(),
});
export type JobHostRecord = Readonly<z.infer<typeof jobHostRecordSchema>>;

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
