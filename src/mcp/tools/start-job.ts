import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { targetsInput } from './targets-input.js';
import { approvalInput, approvalOutput } from './approval-fields.js';
import { jobText } from './job-text.js';
import { jobViewSchema } from '../../core/jobs/job-view.js';
import { createJob } from '../../core/jobs/create-job.js';
import { MAX_COMMAND_LENGTH } from '../../core/run/decide.js';
import { loadJob, viewJob } from '../../core/jobs/job-view.js';

export const startJobTool = defineTool({
  name: 'start_job',
  toolset: 'jobs',
  title: 'Start a long-running command',
  description:
    'Starts a command on one host or many (name exactly one of host, hosts, tags or groups) as a durable job and returns its id at once. ' +
    'Use it for work that may outlive a request: upgrades, backups, builds, long log searches. Poll get_job with the id for status and output ' +
    '(any later request can, even after the gateway restarts or on another server); cancel_job stops it. The same policy, access and audit ' +
    'rules as run_command apply: denied hosts are recorded and not run; when hosts need approval nothing starts and the answer ' +
    'gives an approval id — call again with approvalId once a second person approved it.',
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
      .max(86_400)
      .optional()
      .describe(
        'Kill the command after this many seconds (default and maximum: the fleet job limit, usually 3600).',
      ),
    idleTimeoutSeconds: z
      .number()
      .positive()
      .max(86_400)
      .optional()
      .describe(
        'Kill the command when it prints nothing for this many seconds; any output resets the timer.',
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
  outputSchema: { ...jobViewSchema.shape, approval: approvalOutput },
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  async handler(input, { deps, fleet, user, requestId, origin }) {
    const { job, approval } = await createJob(deps, fleet, user, input, {
      requestId,
      tool: 'start_job',
      maxTimeoutSeconds: fleet.limits.jobTimeoutSeconds,
      ...(origin ? { origin } : {}),
    });
    const view = await viewJob(deps, await loadJob(deps, user, job.id));
    return { ...view, ...(approval ? { approval } : {}) };
  },
  toText: (v) =>
    v.approval && v.approval.status !== 'consumed'
      ? `${jobText(v)}\n\nApproval: ${v.approval.message}`
      : `${jobText(v)}\n\nPoll get_job with jobId "${v.id}" for progress and output.`,
  // The core records the intent (before the job is stored) and the outcome; a tool.call record
  // written after the job started could fail and make a retry start it twice.
  auditedByCore: true,
  asksApproval: true,
  auditCommand: 'command',
  auditTargets: (_input, output) => output?.hosts.map((h) => h.host) ?? [],
});
