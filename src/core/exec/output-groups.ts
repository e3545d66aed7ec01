import { createHash } from 'node:crypto';
import { z } from 'zod';

export interface GroupableResult {
  readonly host: string;
  readonly status: string;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly truncated: boolean;
}

/** Hosts whose status, exit code and output are identical: their output, once. */
export const outputGroupSchema = z.object({
  hosts: z.array(z.string()),
  status: z.string(),
  exitCode: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
});
export type OutputGroup = Readonly<z.infer<typeof outputGroupSchema>>;

/** Groups hosts whose status, exit code and output are identical, largest group first. */
export function groupIdenticalOutputs(results: readonly GroupableResult[]): OutputGroup[] {
  const groups = new Map<string, OutputGroup>();
  for (const r of results) {
    const key = createHash('sha256')
      .update(JSON.stringify([r.status, r.exitCode, r.truncated, r.stdout, r.stderr]))
      .digest('hex');
    const group = groups.get(key);
    if (group) group.hosts.push(r.host);
    else
      groups.set(key, {
        hosts: [r.host],
        status: r.status,
        exitCode: r.exitCode,
        stdout: r.stdout,
        stderr: r.stderr,
        truncated: r.truncated,
      });
  }
  return [...groups.values()].sort((a, b) => b.hosts.length - a.hosts.length);
}
