/** One command execution on one host, kept for `historyRetentionDays`. */
export interface HistoryEntry {
  readonly id: string;
  readonly host: string;
  readonly user: string;
  readonly command: string;
  readonly status: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
  readonly durationMs: number;
  readonly time: string;
  readonly requestId: string;
  /** Epoch seconds after which the entry is gone (DynamoDB TTL; treated as absent on read). */
  readonly expiresAt: number;
}

/** History keeps a shorter excerpt than a tool result: enough to recall what happened. */
export const HISTORY_OUTPUT_BYTES = 4096;
