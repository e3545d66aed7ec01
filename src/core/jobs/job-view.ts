import type { CoreDeps } from '../deps.js';
import type { User } from '../users/user.js';
import { roleAtLeast } from '../users/user.js';
import { NotFoundError } from '../errors.js';
import { z } from 'zod';
import {
  JOB_HOST_STATUSES,
  JOB_STATUSES,
  jobHostRecordSchema,
  type JobHostRecord,
  type JobRecord,
  type OutputStream,
} from './job.js';
import { summarize, summarySchema } from '../summary.js';
import { LOST_AFTER_MS } from '../run/supervise.js';
import { isUtf8Continuation, utf8Boundary } from './output-writer.js';
import { takeOver } from './take-over.js';

export const DEFAULT_TAIL_BYTES = 2_000;
export const MAX_PAGE_BYTES = 64 * 1024;

/** A page of one stream's stored output. */
export const outputPageSchema = z.object({
  offset: z.number().int(),
  nextOffset: z.number().int(),
  /** Bytes stored so far for this stream. */
  totalBytes: z.number().int(),
  text: z.string(),
});
export type OutputPage = z.infer<typeof outputPageSchema>;

/** A job for whoever may see it (start_job, get_job and cancel_job answer this), defined once. */
export const jobViewSchema = z.object({
  id: z.string(),
  status: z.enum(JOB_STATUSES),
  owner: z.string(),
  command: z.string(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  cancelRequested: z.boolean(),
  hosts: z.array(
    jobHostRecordSchema
      .omit({ head: true })
      .extend({ stdout: outputPageSchema.optional(), stderr: outputPageSchema.optional() }),
  ),
  summary: summarySchema(JOB_HOST_STATUSES),
});
export type JobView = z.infer<typeof jobViewSchema>;
export type JobHostView = JobView['hosts'][number];

export interface Paging {
  /** Only this host's output (the others are listed without output). */
  host?: string;
  stream?: OutputStream;
  /** Read from this byte offset; without it, the last `tailBytes` of each stream. */
  offset?: number;
  limit?: number;
  tailBytes?: number;
}

/** Loads a job the user may see: their own, or any for admins. Others' jobs look like missing ones. */
export async function loadJob(
  deps: CoreDeps,
  user: User,
  jobId: string,
): Promise<{ job: JobRecord; hosts: JobHostRecord[] }> {
  const loaded = await deps.jobs.get(jobId);
  if (!loaded || (loaded.job.owner !== user.name && !roleAtLeast(user.role, 'admin')))
    throw new NotFoundError(`unknown job "${jobId}"; list_jobs shows yours`);
  return markLostIfStale(deps, await takeOver(deps, loaded, LOST_AFTER_MS));
}

/**
 * A queued job whose runner stopped beating is marked lost, once, by whoever notices: nothing of
 * it ran. (A running one is taken over instead: its hosts hold its state.)
 */
export async function markLostIfStale<T extends { job: JobRecord; hosts: JobHostRecord[] }>(
  deps: CoreDeps,
  loaded: T,
): Promise<T> {
  const { job } = loaded;
  if (job.status !== 'queued') return loaded;
  const last = Date.parse(job.heartbeatAt ?? job.createdAt);
  if (deps.clock.now().getTime() - last < LOST_AFTER_MS) return loaded;
  const endedAt = deps.clock.now().toISOString();
  const marked = await deps.jobs.update(
    job.id,
    { status: 'lost', endedAt },
    { status: ['queued'], ...(job.heartbeatAt ? { heartbeatAt: job.heartbeatAt } : {}) },
  );
  if (marked)
    deps.logger.warn('job lost: its runner stopped', {
      jobId: job.id,
      lastHeartbeat: job.heartbeatAt ?? null,
    });
  const fresh = await deps.jobs.get(job.id);
  if (!fresh) return loaded;
  return {
    ...loaded,
    job: fresh.job,
    hosts: fresh.hosts.map((h) =>
      h.status === 'pending' || h.status === 'running'
        ? { ...h, status: 'lost', reason: 'the runner stopped before this host finished' }
        : h,
    ),
  };
}

/** The job with a page (or tail) of output per host and stream. */
export async function viewJob(
  deps: CoreDeps,
  loaded: { job: JobRecord; hosts: JobHostRecord[] },
  paging: Paging = {},
): Promise<JobView> {
  const { job, hosts } = loaded;
  const limit = Math.min(paging.limit ?? 16 * 1024, MAX_PAGE_BYTES);
  const streams: OutputStream[] = paging.stream ? [paging.stream] : ['stdout', 'stderr'];
  const views = await Promise.all(
    hosts.map(async (h): Promise<JobHostView> => {
      const { head: _head, ...rest } = h;
      if (paging.host !== undefined && paging.host !== h.host) return rest;
      const pages: Partial<Record<OutputStream, OutputPage>> = {};
      for (const stream of streams) {
        const total = h.bytes[stream];
        if (total === 0 && paging.offset === undefined) continue;
        pages[stream] =
          paging.offset !== undefined
            ? await page(deps, job.id, h.host, stream, paging.offset, limit, total)
            : await tail(
                deps,
                job.id,
                h.host,
                stream,
                Math.min(paging.tailBytes ?? DEFAULT_TAIL_BYTES, MAX_PAGE_BYTES),
                total,
              );
      }
      return { ...rest, ...pages };
    }),
  );
  const summary = summarize(
    JOB_HOST_STATUSES,
    views.map((h) => h.status),
  );
  return {
    id: job.id,
    status: job.status,
    owner: job.owner,
    command: job.command,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.endedAt ? { endedAt: job.endedAt } : {}),
    cancelRequested: job.cancelRequested ?? false,
    hosts: views,
    summary,
  };
}

/** Bytes [offset, offset+limit), ending on a character boundary so pages concatenate exactly. */
async function page(
  deps: CoreDeps,
  jobId: string,
  host: string,
  stream: OutputStream,
  offset: number,
  limit: number,
  total: number,
): Promise<OutputPage> {
  const data = await deps.jobs.readOutput(jobId, host, stream, offset, limit);
  const end = data.length === limit ? utf8Boundary(data) : data.length;
  const kept = data.subarray(0, end > 0 ? end : data.length);
  return {
    offset,
    nextOffset: offset + kept.length,
    totalBytes: total,
    text: Buffer.from(kept).toString('utf8'),
  };
}

/** The last bytes of a stream, starting on a character boundary. */
async function tail(
  deps: CoreDeps,
  jobId: string,
  host: string,
  stream: OutputStream,
  bytes: number,
  total: number,
): Promise<OutputPage> {
  let offset = Math.max(0, total - bytes);
  let data = await deps.jobs.readOutput(jobId, host, stream, offset, total - offset);
  let skip = 0;
  while (skip < 3 && isUtf8Continuation(data[skip])) skip++;
  data = data.subarray(skip);
  offset += skip;
  return {
    offset,
    nextOffset: offset + data.length,
    totalBytes: total,
    text: Buffer.from(data).toString('utf8'),
  };
}
