import { z } from 'zod';
import { defineTool } from '../define-tool.js';
import { jobText } from './job-text.js';
import { jobViewSchema } from '../../core/jobs/job-view.js';
import { loadJob, viewJob, DEFAULT_TAIL_BYTES, MAX_PAGE_BYTES } from '../../core/jobs/job-view.js';

export const getJobTool = defineTool({
  name: 'get_job',
  toolset: 'jobs',
  title: 'Get a job’s status and output',
  description:
    'Shows a job started by start_job (or a run_command that outlived its sync budget): overall and per-host status, exit codes, and output. ' +
    `By default each stream shows its last ${DEFAULT_TAIL_BYTES} bytes; to read everything, pass host, stream and offset (0 to start) and keep ` +
    `calling with offset = nextOffset until nextOffset equals totalBytes (pages of up to ${MAX_PAGE_BYTES} bytes, every byte exactly once). ` +
    'A job whose runner died is reported as lost.',
  minRole: 'operator',
  inputSchema: {
    jobId: z.string().min(1).describe('The job id from start_job or run_command.'),
    host: z
      .string()
      .min(1)
      .optional()
      .describe('Only show this host’s output (the others are listed without output).'),
    stream: z.enum(['stdout', 'stderr']).optional().describe('Only this stream.'),
    offset: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Read output from this byte offset instead of the tail.'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_BYTES)
      .optional()
      .describe('Bytes per page when reading from an offset (default 16384).'),
    tailBytes: z
      .number()
      .int()
      .min(0)
      .max(MAX_PAGE_BYTES)
      .optional()
      .describe(
        `How much of the end of each stream to show without an offset (default ${DEFAULT_TAIL_BYTES}).`,
      ),
  },
  outputSchema: jobViewSchema.shape,
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  async handler({ jobId, ...paging }, { deps, user }) {
    return viewJob(deps, await loadJob(deps, user, jobId), paging);
  },
  toText: jobText,
  auditTargets: (_input, output) => output?.hosts.map((h) => h.host) ?? [],
});
