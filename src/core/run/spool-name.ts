import { createHash } from 'node:crypto';

/**
 * The name a host keeps one job's command under (its spool entry): derived from the job and the
 * host, so whoever reads the job can find it on the host without a store write before it starts.
 */
export function spoolName(jobId: string, host: string): string {
  const hostPart = createHash('sha256').update(host, 'utf8').digest('hex').slice(0, 12);
  return `${jobId}-${hostPart}`;
}

/**
 * What a host's spool keeps of each stream: twice what the job stores of it, since scrubbing can
 * shorten what is stored — enough for any reader, no more than the job needs.
 */
export const spoolBytes = (jobOutputBytes: number) => 2 * jobOutputBytes;
