import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { jobText } from './job-text.js';
import { jobViewSchema } from '../../core/jobs/job-view.js';
import { cancelJob } from '../../core/jobs/job-control.js';
import { loadJob, viewJob } from '../../core/jobs/job-view.js';

export const cancelJobTool = defineTool({
  name: 'cancel_job',
  toolset: 'jobs',
  title: 'Cancel a job',
  description:
    'Stops a running job: the remote commands are killed (their whole process groups), hosts not yet started are skipped, and the output so far ' +
    'is kept. Returns the job once it has stopped (usually within a second). Cancelling a finished job changes nothing.',
  minRole: 'operator',
  inputSchema: { jobId: z.string().min(1).describe('The job to cancel.') },
  outputSchema: jobViewSchema.shape,
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handler({ jobId }, { deps, user }) {
    await cancelJob(deps, user, jobId);
    return viewJob(deps, await loadJob(deps, user, jobId), { tailBytes: 500 });
  },
  toText: jobText,
  auditTargets: (_input, output) => output?.hosts.map((h) => h.host) ?? [],
});
