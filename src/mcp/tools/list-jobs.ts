import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { JOB_STATUSES } from '../../core/jobs/job.js';
import { listJobs } from '../../core/jobs/job-control.js';

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
  outputSchema: {
    jobs: z.array(
      z.object({
        id: z.string(),
        status: z.enum(JOB_STATUSES),
        owner: z.string(),
        command: z.string(),
        createdAt: z.string(),
        endedAt: z.string().optional(),
      }),
    ),
  },
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
    return {
      jobs: jobs.map((j) => ({
        id: j.id,
        status: j.status,
        owner: j.owner,
        command: j.command,
        createdAt: j.createdAt,
        ...(j.endedAt ? { endedAt: j.endedAt } : {}),
      })),
    };
  },
  toText: (o) =>
    o.jobs.length === 0
      ? 'No jobs.'
      : o.jobs
          .map((j) => `- ${j.id} ${j.status} ${j.createdAt} ${j.owner}: ${j.command}`)
          .join('\n'),
});
