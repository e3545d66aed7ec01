import { z } from 'zod';
import { RISKS } from '../policy/risk.js';
import { outputGroupSchema } from '../exec/output-groups.js';
import { summarySchema } from '../summary.js';
import { approvalStateSchema } from './decide.js';

/**
 * What run_command answers, defined once: the types are inferred from these schemas, and the
 * MCP tool's output schema is this one.
 */

export const HOST_STATUSES = [
  'ok',
  'failed',
  'denied',
  'unreachable',
  'timeout',
  'auth_failed',
  'hostkey_mismatch',
  'approval_required',
  'cancelled',
  'running',
] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export const hostRunResultSchema = z.object({
  host: z.string(),
  status: z.enum(HOST_STATUSES),
  exitCode: z.number().int().nullable(),
  /** Present when this host's output is unique; otherwise it is in `groups[outputGroup]`. */
  stdout: z.string().optional(),
  stderr: z.string().optional(),
  truncated: z.boolean(),
  outputBytes: z
    .object({ stdout: z.number().int(), stderr: z.number().int() })
    .optional()
    .describe('when cut: the bytes each stream holds in the job; get_job pages through them'),
  durationMs: z.number(),
  /** Why the host did not run the command or failed to, in words. */
  reason: z.string().optional(),
  /** The policy rule that refused the command, for denied and approval_required hosts. */
  rule: z.string().optional(),
  risk: z.enum(RISKS).optional(),
  outputGroup: z.number().int(),
});
export type HostRunResult = z.infer<typeof hostRunResultSchema>;

export const runCommandResultSchema = z.object({
  command: z.string(),
  results: z.array(hostRunResultSchema),
  summary: summarySchema(HOST_STATUSES),
  groups: z.array(outputGroupSchema),
  durationMs: z.number(),
  complete: z.boolean(),
  /** Set when the work outlived the sync budget, or printed more than the answer carries: get_job has the rest. */
  jobId: z.string().optional(),
  /** Set when hosts needed approval: pending (nothing ran), denied, or used by this run. */
  approval: approvalStateSchema.optional(),
});
export type RunCommandResult = z.infer<typeof runCommandResultSchema>;
