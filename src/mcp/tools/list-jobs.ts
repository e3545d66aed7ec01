import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { JOB_STATUSES, jobRecordSchema } from '../../core/jobs/job.js';
import { listJobs } from '../../core/jobs/job-control.js';

/** A job as list_jobs shows it: these fields of the stored record. */
const listedJob = jobRecordSchema.pick({
  id: true,
  status: true,
  owner: true,
  command: true,
  createdAt: true,
  endedAt: true,
});

export const listJobsTool = defineTool({
  name: 'list_jobs',
  toolset: 'jobs',
  title: 'List jobs',
  description:
    'Lists your jobs, newest first, optionally by status (queued, running, completed, cancelled, lost). Admins can list everyone’s with all: true. Use get_job for a job’s output.',
  minRole: 'operator',
  inputSchema: {
    status: z.enum(JOB_STATUSES).optional().describe('Only jobs in this status.'),
    all: z.boolean().optional().describe('Admins only: everyone’s jobs, not just yours.'),
    limit: z.number().int().min(1).max(100).optional().describe('At most this many (default 20).'),
  },
  outputSchema: { jobs: z.array(listedJob) },
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  async handler({ status, all, limit }, { deps, user }) {
    const jobs = await listJobs(deps, user, {
      ...(status ? { status } : {}),
      ...(all ? { all } : {}),
      limit: limit ?? 20,
    });
    // The listed fields of each record, and nothing else (parsing picks them).
    return { jobs: jobs.map((j) => listedJob.parse(j)) };
  },
  toText: (o) =>
    o.jobs.length === 0
      ? 'No jobs.'
      : o.jobs
          .map((j) => `- ${j.id} ${j.status} ${j.createdAt} ${j.owner}: ${j.command}`)
          .join('\n'),
});
