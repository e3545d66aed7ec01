import { z } from 'zod';

/** One command execution on one host, kept for `historyRetentionDays`. */
export const historyEntrySchema = z.object({
  id: z.string(),
  host: z.string(),
  user: z.string(),
  command: z.string(),
  status: z.string(),
  exitCode: z.number().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  durationMs: z.number(),
  time: z.string(),
  requestId: z.string(),
  /** Epoch seconds after which the entry is gone (DynamoDB TTL; treated as absent on read). */
  expiresAt: z.number(),
});
export type HistoryEntry = Readonly<z.infer<typeof historyEntrySchema>>;

/** History keeps a shorter excerpt than a tool result: enough to recall what happened. */
export const HISTORY_OUTPUT_BYTES = 4096;
