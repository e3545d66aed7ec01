import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { targetsInput } from './targets-input.js';
import { approvalInput } from './approval-fields.js';
import { MAX_COMMAND_LENGTH, runCommand } from '../../core/run/run-command.js';
import {
  HOST_STATUSES,
  runCommandResultSchema,
  type RunCommandResult,
} from '../../core/run/run-result.js';
import { summaryText } from '../../core/summary.js';

export const runCommandTool = defineTool({
  name: 'run_command',
  toolset: 'exec',
  title: 'Run a shell command',
  description:
    'Runs a shell command over SSH on one host or many at once (name exactly one of host, hosts, tags or groups) and returns, per host, ' +
    `status (${HOST_STATUSES.join(', ')}), exit code, stdout, stderr and duration. ` +
    'Hosts whose output is identical are collapsed into `groups`, so output shared by many hosts appears once; per-host stdout/stderr appear only for hosts with unique output. ' +
    'Output is capped per stream (truncated: true when cut; then outputBytes says how much there was, and get_job with the jobId pages through it) and secrets are redacted. ' +
    'timeoutSeconds (capped by the fleet limit) bounds the whole call: connecting, waiting for a free slot under maxConcurrency, and the command, which is then killed. ' +
    'Commands run non-interactively with no TTY: avoid prompts and pagers (use --no-pager, -y where safe). ' +
    'If the command is not done within the sync budget (about 20 s) the answer says complete: false with a jobId and the hosts still running; ' +
    'the command keeps running, and get_job with that id returns the rest. For work you know is long, use start_job. ' +
    'A policy decides per host what may run: denied hosts are reported with the reason and rule, never executed; ' +
    'when hosts need approval nothing in the call runs and the answer gives an approval id — tell the user who may approve it, ' +
    'then call again with the same arguments and approvalId (get_approval shows where it stands). ' +
    'Call plan_command first to see the decision. Every call is audited.',
  minRole: 'operator',
  inputSchema: {
    ...targetsInput,
    command: z
      .string()
      .min(1)
      .max(MAX_COMMAND_LENGTH)
      .describe('The shell command line, run by /bin/sh on each host.'),
    timeoutSeconds: z
      .number()
      .positive()
      .max(3600)
      .optional()
      .describe(
        'Kill the command after this many seconds (default and maximum: the fleet limit, usually 60).',
      ),
    maxConcurrency: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .optional()
      .describe('At most this many hosts at once (default and maximum: the fleet limit).'),
    ...approvalInput,
  },
  outputSchema: runCommandResultSchema.shape,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  handler: (input, { deps, fleet, user, requestId, origin, runUntil }) =>
    runCommand(deps, fleet, user, input, {
      requestId,
      ...(origin ? { origin } : {}),
      ...(runUntil !== undefined ? { runUntil } : {}),
    }),
  auditedByCore: true,
  toText: runCommandText,
  asksApproval: true,
  auditCommand: 'command',
  auditTargets: (_input, output) => output?.results.map((r) => r.host) ?? [],
});

/** One block per distinct output, so a hundred identical answers read as one. */
function runCommandText(o: RunCommandResult): string {
  const lines = [`${o.summary.total} host(s): ${summaryText(o.summary)} (${o.durationMs} ms)`];
  if (o.approval && o.approval.status !== 'consumed') lines.push(`Approval: ${o.approval.message}`);
  if (!o.complete)
    lines.push(
      `Still running as job ${o.jobId}: call get_job with jobId "${o.jobId}" for the rest.`,
    );
  for (const g of o.groups) {
    const members = o.results.filter((r) => g.hosts.includes(r.host));
    const reasons = new Set(members.filter((r) => r.reason).map((r) => r.reason));
    // One reason for the group says it once; different reasons are given host by host.
    const shared = reasons.size === 1 ? ` — ${[...reasons][0]}` : '';
    lines.push(
      `\n── ${g.hosts.join(', ')}: ${g.status}${g.exitCode !== null ? ` (exit ${g.exitCode})` : ''}${shared}`,
    );
    if (reasons.size > 1)
      for (const r of members) if (r.reason) lines.push(`   ${r.host}: ${r.reason}`);
    if (g.stdout) lines.push(g.stdout.replace(/\n$/, ''));
    if (g.stderr) lines.push(`[stderr]\n${g.stderr.replace(/\n$/, '')}`);
    if (g.truncated) lines.push(cutNote(members, o.jobId));
  }
  return lines.join('\n');
}

/** How much was cut and where the rest is. */
function cutNote(members: RunCommandResult['results'], jobId: string | undefined): string {
  const bytes = members.find((r) => r.outputBytes)?.outputBytes;
  const kept = bytes
    ? `: the job keeps ${bytes.stdout} bytes of stdout and ${bytes.stderr} of stderr`
    : '';
  return jobId
    ? `[output truncated${kept}; call get_job with jobId "${jobId}", host, stream and offset 0 to read it all]`
    : '[output truncated]';
}
