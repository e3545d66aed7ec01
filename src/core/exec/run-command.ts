import type { CoreDeps } from '../deps.js';
import type { Fleet, Host } from '../fleet/fleet.js';
import type { User } from '../users/user.js';
import { resolveTargets, type TargetSelector } from '../access.js';
import { InvalidInputError } from '../errors.js';
import type { ExecOutcome } from '../ports.js';
import type { PolicyDecision } from './command-policy.js';
import type { Risk } from '../policy/risk.js';
import { fanOut } from './fan-out.js';
import { createScrubber } from './scrub.js';
import { groupIdenticalOutputs, type OutputGroup } from './output-groups.js';
import { HISTORY_OUTPUT_BYTES, type HistoryEntry } from './history-entry.js';

export const HOST_STATUSES = ['ok', 'failed', 'denied', 'unreachable', 'timeout', 'auth_failed', 'hostkey_mismatch', 'approval_required', 'cancelled', 'running'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export const MAX_COMMAND_LENGTH = 16_384;

export interface RunCommandInput extends TargetSelector {
  command: string;
  timeoutSeconds?: number;
  maxConcurrency?: number;
}

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
}

interface Planned {
  host: Host;
  decision: PolicyDecision;
}

/**
 * Runs a command on the targets the user names: resolve targets the user may access → policy per
 * host → audit intent → SSH fan-out (capped) → history per host → audit outcome.
 */
export async function runCommand(
  deps: CoreDeps,
  fleet: Fleet,
  user: User,
  input: RunCommandInput,
  requestId: string,
): Promise<RunCommandResult> {
  const started = Date.now();
  const command = input.command;
  if (command.trim() === '') throw new InvalidInputError('command is empty');
  if (command.length > MAX_COMMAND_LENGTH) throw new InvalidInputError(`command is longer than ${MAX_COMMAND_LENGTH} characters`);

  const targets = resolveTargets(user, fleet, input);
  const planned: Planned[] = targets.map((host) => ({ host, decision: deps.policy.decide({ fleet, user, host }, command) }));
  const scrub = createScrubber(fleet.secretValues());
  const auditedCommand = scrub(command);

  await deps.audit.append({
    type: 'exec.intent',
    requestId,
    user: user.name,
    tool: 'run_command',
    targets: targets.map((h) => h.name),
    command: auditedCommand,
    decision: summarizeDecisions(planned),
    decisions: planned.map(({ host, decision: d }) => ({ host: host.name, decision: d.decision, ...(d.rule ? { rule: d.rule } : {}), ...(d.risk ? { risk: d.risk } : {}) })),
  });

  const limits = fleet.limits;
  const timeoutSeconds = Math.min(input.timeoutSeconds ?? limits.commandTimeoutSeconds, limits.commandTimeoutSeconds);
  const concurrency = Math.min(input.maxConcurrency ?? limits.maxConcurrency, limits.maxConcurrency);
  const historyWrites: Promise<void>[] = [];

  const perHost = await fanOut(planned, concurrency, async ({ host, decision }) => {
    if (decision.decision !== 'allow') return refused(host, decision);
    const outcome = await deps.ssh.exec({ host, credential: fleet.credentialFor(host) }, command, {
      timeoutMs: timeoutSeconds * 1000,
      connectTimeoutMs: limits.connectTimeoutSeconds * 1000,
      maxOutputBytes: limits.maxOutputBytes,
      checkAddress: (address) => fleet.network.refusal(address),
    });
    const clean: ExecOutcome = { ...outcome, stdout: scrub(outcome.stdout), stderr: scrub(outcome.stderr) };
    historyWrites.push(deps.history.put(historyEntry(deps, user, host, auditedCommand, clean, requestId, limits.historyRetentionDays)));
    return { ...fromOutcome(host, clean), ...(decision.risk ? { risk: decision.risk } : {}) };
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
  const summary = countStatuses(results);
  const durationMs = Date.now() - started;

  // History and the outcome record are independent writes: one round trip, not two.
  const [history] = await Promise.all([
    Promise.allSettled(historyWrites),
    deps.audit.append({
      type: 'exec.outcome',
      requestId,
      user: user.name,
      tool: 'run_command',
      targets: results.map((r) => r.host),
      command: auditedCommand,
      outcome: HOST_STATUSES.filter((s) => summary[s] > 0).map((s) => `${s}:${summary[s]}`).join(' '),
      hosts: results.map((r) => ({ host: r.host, status: r.status, exitCode: r.exitCode, durationMs: r.durationMs })),
      durationMs,
    }),
  ]);
  for (const write of history) {
    if (write.status === 'rejected') deps.logger.error('history write failed', { requestId, error: String(write.reason) });
  }

  return { command, results, summary, groups, durationMs };
}

type Ungrouped = Omit<HostRunResult, 'outputGroup' | 'stdout' | 'stderr'> & { stdout: string; stderr: string };

function refused(host: Host, decision: PolicyDecision): Ungrouped {
  return {
    host: host.name,
    status: decision.decision === 'deny' ? 'denied' : 'approval_required',
    exitCode: null,
    stdout: '',
    stderr: '',
    truncated: false,
    durationMs: 0,
    reason: decision.reason,
    ...(decision.rule ? { rule: decision.rule } : {}),
    ...(decision.risk ? { risk: decision.risk } : {}),
  };
}

function summarizeDecisions(planned: readonly Planned[]): string {
  const counts = new Map<string, number>();
  for (const p of planned) counts.set(p.decision.decision, (counts.get(p.decision.decision) ?? 0) + 1);
  return [...counts].map(([d, n]) => `${d}:${n}`).join(' ');
}

function fromOutcome(host: Host, outcome: ExecOutcome): Ungrouped {
  return {
    host: host.name,
    status: outcome.status,
    exitCode: outcome.exitCode,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    truncated: outcome.truncated,
    durationMs: outcome.durationMs,
    ...(outcome.error !== undefined ? { reason: outcome.error } : {}),
  };
}

export function countStatuses(results: readonly { status: HostStatus }[]): StatusCounts {
  const counts = Object.fromEntries(HOST_STATUSES.map((s) => [s, 0])) as StatusCounts;
  counts.total = results.length;
  for (const r of results) counts[r.status]++;
  return counts;
}

function historyEntry(
  deps: CoreDeps,
  user: User,
  host: Host,
  command: string,
  outcome: ExecOutcome,
  requestId: string,
  retentionDays: number,
): HistoryEntry {
  const now = deps.clock.now();
  return {
    id: `${requestId}:${host.name}`,
    host: host.name,
    user: user.name,
    command,
    status: outcome.status,
    exitCode: outcome.exitCode,
    stdout: excerpt(outcome.stdout),
    stderr: excerpt(outcome.stderr),
    truncated: outcome.truncated || outcome.stdout.length > HISTORY_OUTPUT_BYTES || outcome.stderr.length > HISTORY_OUTPUT_BYTES,
    durationMs: outcome.durationMs,
    time: now.toISOString(),
    requestId,
    expiresAt: Math.floor(now.getTime() / 1000) + retentionDays * 86_400,
  };
}

function excerpt(text: string): string {
  return text.length > HISTORY_OUTPUT_BYTES ? text.slice(0, HISTORY_OUTPUT_BYTES) : text;
}
