import type { CoreDeps } from '../deps.js';
import type { Fleet } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import type { Risk } from '../policy/risk.js';
import {
  createJob,
  MAX_COMMAND_LENGTH,
  type ApprovalState,
  type JobInput,
} from '../jobs/create-job.js';
import { waitForJob } from '../jobs/job-control.js';
import type { JobHostRecord } from '../jobs/job.js';
import { groupIdenticalOutputs, type OutputGroup } from './output-groups.js';

export { MAX_COMMAND_LENGTH };

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

export type RunCommandInput = JobInput;

export interface HostRunResult {
  host: string;
  status: HostStatus;
  exitCode: number | null;
  /** Present when this host's output is unique; otherwise it is in `groups[outputGroup]`. */
  stdout?: string;
  stderr?: string;
  truncated: boolean;
  durationMs: number;
  /** Why the host did not run the command or failed to, in words. */
  reason?: string;
  /** The policy rule that refused the command, for denied and approval_required hosts. */
  rule?: string;
  risk?: Risk;
  outputGroup: number;
}

export type StatusCounts = Record<HostStatus, number> & { total: number };

export interface RunCommandResult {
  command: string;
  results: HostRunResult[];
  summary: StatusCounts;
  groups: OutputGroup[];
  durationMs: number;
  /** Set when the work outlived the sync budget: poll get_job with it for the rest. */
  jobId?: string;
  complete: boolean;
  /** Set when hosts needed approval: pending (nothing ran), denied, or used by this run. */
  approval?: ApprovalState;
}

/**
 * Runs a command as a job and waits up to the fleet's sync budget. Done by then: the full result.
 * Not done: what has finished, the rest as `running`, and the job id to come back with — the work
 * goes on (locally in this process, on AWS in a worker function).
 */
export async function runCommand(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: RunCommandInput,
  requestId: string,
  /** Where people reach the gateway, for an approval's page link. */
  origin?: string,
): Promise<RunCommandResult> {
  const started = Date.now();
  const limits = fleet.limits;
  // One budget for the whole call: a wait for an approval's decision comes out of it.
  const waitUntil = started + limits.syncBudgetSeconds * 1000;
  const { job, approval } = await createJob(deps, fleet, user, input, {
    requestId,
    tool: 'run_command',
    maxTimeoutSeconds: limits.commandTimeoutSeconds,
    waitUntil,
    ...(origin ? { origin } : {}),
  });
  const complete = await waitForJob(deps, job.id, Math.max(0, waitUntil - Date.now()));
  const hosts =
    (complete ? deps.dispatcher.finalHosts?.(job.id) : undefined) ??
    (await deps.jobs.get(job.id))?.hosts ??
    [];
  const result = assemble(job.command, hosts, limits.maxOutputBytes);
  return {
    ...result,
    durationMs: Date.now() - started,
    complete,
    ...(complete ? {} : { jobId: job.id }),
    ...(approval ? { approval } : {}),
  };
}

function hostStatus(h: JobHostRecord): HostStatus {
  if (h.status === 'pending' || h.status === 'running') return 'running';
  if (h.status === 'lost') return 'unreachable';
  return h.status;
}

function assemble(
  command: string,
  hosts: readonly JobHostRecord[],
  maxOutputBytes: number,
): Omit<RunCommandResult, 'durationMs' | 'complete'> {
  const perHost = hosts.map((h) => {
    const stdout = h.head?.stdout ?? '';
    const stderr = h.head?.stderr ?? '';
    return {
      host: h.host,
      status: hostStatus(h),
      exitCode: h.exitCode,
      stdout,
      stderr,
      // The answer carries the first maxOutputBytes of each stream; get_job pages through the rest.
      truncated:
        h.truncated ||
        h.bytes.stdout > Buffer.byteLength(stdout) ||
        h.bytes.stderr > Buffer.byteLength(stderr) ||
        Buffer.byteLength(stdout) >= maxOutputBytes,
      durationMs: h.durationMs ?? 0,
      ...(h.reason !== undefined ? { reason: h.reason } : {}),
      ...(h.rule !== undefined ? { rule: h.rule } : {}),
      ...(h.risk !== undefined ? { risk: h.risk } : {}),
    };
  });
  const groups = groupIdenticalOutputs(perHost);
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.hosts.forEach((h) => groupOf.set(h, i)));
  const results: HostRunResult[] = perHost.map((r) => {
    const outputGroup = groupOf.get(r.host) ?? 0;
    const unique = (groups[outputGroup]?.hosts.length ?? 1) === 1;
    const { stdout, stderr, ...rest } = r;
    return unique ? { ...rest, stdout, stderr, outputGroup } : { ...rest, outputGroup };
  });
  return { command, results, summary: countStatuses(results), groups };
}

export function countStatuses(results: readonly { status: HostStatus }[]): StatusCounts {
  const counts = Object.fromEntries(HOST_STATUSES.map((s) => [s, 0])) as StatusCounts;
  counts.total = results.length;
  for (const r of results) counts[r.status]++;
  return counts;
}
