import type { JobView } from '../../core/jobs/job-view.js';
import { summaryText } from '../../core/summary.js';

/** A job for a model to read: status, then each host with its output page. */
export function jobText(v: JobView): string {
  const lines = [
    `job ${v.id}: ${v.status.toUpperCase()} — ${v.summary.total} host(s): ${summaryText(v.summary)}${v.cancelRequested && v.status === 'running' ? ' (cancel requested)' : ''}`,
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
