import { z } from 'zod';
import { JOB_HOST_STATUSES, JOB_STATUSES } from '../../core/jobs/job.js';
import { RISKS } from '../../core/policy/risk.js';
import type { JobView } from '../../core/jobs/job-view.js';

const page = z.object({
  offset: z.number().int(),
  nextOffset: z.number().int(),
  totalBytes: z.number().int(),
  text: z.string(),
});

/** The output schema shared by start_job, get_job and cancel_job. */
export const jobViewSchema = {
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  owner: z.string(),
  command: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  cancelRequested: z.boolean(),
  hosts: z.array(
    z.object({
      host: z.string(),
      status: z.enum(JOB_HOST_STATUSES),
      exitCode: z.number().int().nullable(),
      reason: z.string().optional(),
      rule: z.string().optional(),
      risk: z.enum(RISKS).optional(),
      durationMs: z.number().optional(),
      bytes: z.object({ stdout: z.number().int(), stderr: z.number().int() }),
      truncated: z.boolean(),
      stdout: page.optional(),
      stderr: page.optional(),
    }),
  ),
  summary: z.record(z.string(), z.number().int()),
};

/** A job for a model to read: status, then each host with its output page. */
export function jobText(v: JobView): string {
  const counts = Object.entries(v.summary)
    .filter(([k]) => k !== 'total')
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  const lines = [
    `job ${v.id}: ${v.status.toUpperCase()} — ${v.summary.total} host(s): ${counts}${v.cancelRequested && v.status === 'running' ? ' (cancel requested)' : ''}`,
    `command: ${v.command}`,
  ];
  for (const h of v.hosts) {
    lines.push(
      `\n── ${h.host}: ${h.status}${h.exitCode !== null ? ` (exit ${h.exitCode})` : ''}${h.reason ? ` — ${h.reason}` : ''}  [stdout ${h.bytes.stdout} B, stderr ${h.bytes.stderr} B${h.truncated ? ', truncated' : ''}]`,
    );
    for (const stream of ['stdout', 'stderr'] as const) {
      const p = h[stream];
      if (!p || p.text === '') continue;
      const more = p.nextOffset < p.totalBytes ? ` (more from offset ${p.nextOffset})` : '';
      lines.push(
        `[${stream} bytes ${p.offset}–${p.nextOffset} of ${p.totalBytes}${more}]`,
        p.text.replace(/\n$/, ''),
      );
    }
  }
  return lines.join('\n');
}
