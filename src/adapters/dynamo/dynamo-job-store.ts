import {
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Clock, JobStore } from '../../core/ports.js';
import { systemClock } from '../../core/ports.js';
import {
  MAX_CHUNK_BYTES,
  jobHostRecordSchema,
  jobRecordSchema,
  type JobHostRecord,
  type JobRecord,
  type JobStatus,
  type OutputChunk,
  type OutputStream,
} from '../../core/jobs/job.js';
import { JOBS_ALL_INDEX, JOBS_OWNER_INDEX } from './table-specs.js';
import { updateIf } from './conditional-update.js';
import { batchPut } from './batch-put.js';
import { epochSeconds, hasExpired } from '../../core/expiry.js';
import { parseItem } from './parse-item.js';
import { z } from 'zod';
import { InternalError } from '../../core/errors.js';

const META = 'META';
const jobPk = (id: string) => `JOB#${id}`;
const hostSk = (host: string) => `HOST#${host}`;
const OFFSET_DIGITS = 13;
const outSk = (host: string, stream: OutputStream, offset: number) =>
  `OUT#${host}#${stream}#${String(offset).padStart(OFFSET_DIGITS, '0')}`;

/**
 * One partition per job: `META` (the record), `HOST#<name>` (per host), `OUT#<host>#<stream>#<offset>`
 * (output chunks of at most 32 KB, keyed by byte offset so a page reads only the chunks it
 * overlaps). GSIs list jobs by owner and overall, newest first. Everything expires through
 * `expiresAt`; expired items are treated as absent.
 */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  private now(): number {
    return epochSeconds(this.clock);
  }

  /** Job ids are random UUIDs, so the record and its hosts go out in batches without a create condition. */
  async create(job: JobRecord, hosts: readonly JobHostRecord[]): Promise<void> {
    const items = [
      { pk: jobPk(job.id), sk: META, kind: 'job', ...job },
      ...hosts.map((h) => ({
        pk: jobPk(job.id),
        sk: hostSk(h.host),
        expiresAt: job.expiresAt,
        ...h,
      })),
    ];
    await batchPut(this.db, this.table, items);
  }

  async get(id: string): Promise<{ job: JobRecord; hosts: JobHostRecord[] } | undefined> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': jobPk(id), ':from': 'HOST#', ':to': META },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const meta = items.find((i) => i.sk === META);
    const job = meta && this.live(meta, id);
    if (!job) return undefined;
    return {
      job,
      hosts: items
        .filter((i) => i.sk !== META)
        .map((i) => parseItem(jobHostRecordSchema, i, `${String(i.sk)} of job ${id}`)),
    };
  }

  /** A job record read back, or undefined once it has expired. */
  private live(item: Record<string, unknown>, id: string): JobRecord | undefined {
    const job = parseItem(jobRecordSchema, item, `job ${id}`);
    return hasExpired(job.expiresAt, this.now()) ? undefined : job;
  }

  async getRecord(id: string): Promise<JobRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: jobPk(id), sk: META },
        ConsistentRead: true,
      }),
    );
    return Item && this.live(Item, id);
  }

  async update(
    id: string,
    patch: Partial<JobRecord>,
    when: { status?: readonly JobStatus[]; heartbeatAt?: string | null } = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#pk': 'pk' };
    const values: Record<string, unknown> = {};
    const conditions = ['attribute_exists(#pk)'];
    if (when.status) {
      names['#status'] = 'status';
      conditions.push(
        `#status IN (${when.status.map((s, i) => ((values[`:s${i}`] = s), `:s${i}`)).join(', ')})`,
      );
    }
    if (when.heartbeatAt !== undefined) {
      names['#hb'] = 'heartbeatAt';
      if (when.heartbeatAt === null) conditions.push('attribute_not_exists(#hb)');
      else {
        values[':hb'] = when.heartbeatAt;
        conditions.push('#hb = :hb');
      }
    }
    return updateIf(this.db, this.table, { pk: jobPk(id), sk: META }, patch, {
      expression: conditions.join(' AND '),
      names,
      values,
    });
  }

  async putHost(id: string, host: JobHostRecord, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: jobPk(id), sk: hostSk(host.host), expiresAt, ...host },
      }),
    );
  }

  async appendOutput(id: string, chunk: OutputChunk, expiresAt: number): Promise<void> {
    if (chunk.data.length > MAX_CHUNK_BYTES)
      throw new InternalError(`output chunks are at most ${MAX_CHUNK_BYTES} bytes`);
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: jobPk(id),
          sk: outSk(chunk.host, chunk.stream, chunk.offset),
          offset: chunk.offset,
          data: chunk.data,
          ...(chunk.rawEnd !== undefined ? { rawEnd: chunk.rawEnd } : {}),
          expiresAt,
        },
      }),
    );
  }

  async outputEnd(
    id: string,
    host: string,
    stream: OutputStream,
  ): Promise<{ bytes: number; raw: number } | undefined> {
    // The last chunks of the stream, newest first: the newest that says how far it reaches.
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': jobPk(id), ':prefix': `OUT#${host}#${stream}#` },
        ScanIndexForward: false,
        Limit: 4,
        ConsistentRead: true,
      }),
    );
    const last = (Items ?? [])
      .map((item) => parseItem(chunkItem, item, `${String(item.sk)} of job ${id}`))
      .find((chunk) => chunk.rawEnd !== undefined);
    if (last?.rawEnd === undefined) return undefined;
    return { bytes: last.offset + last.data.length, raw: last.rawEnd };
  }

  async readOutput(
    id: string,
    host: string,
    stream: OutputStream,
    offset: number,
    limit: number,
  ): Promise<Uint8Array> {
    if (limit <= 0) return new Uint8Array(0);
    const end = offset + limit;
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': jobPk(id),
          ':from': outSk(host, stream, Math.max(0, offset - MAX_CHUNK_BYTES + 1)),
          ':to': outSk(host, stream, end - 1),
        },
        ConsistentRead: true,
      }),
    );
    const parts: Uint8Array[] = [];
    let cursor = offset;
    const now = this.now();
    for (const item of Items ?? []) {
      const {
        offset: start,
        data,
        expiresAt,
      } = parseItem(chunkItem, item, `${String(item.sk)} of job ${id}`);
      // Gone with its job (TTL deletes lazily, dynalite never).
      if (hasExpired(expiresAt, now)) break;
      if (start + data.length <= cursor || start > cursor) continue;
      const slice = data.subarray(cursor - start, Math.min(data.length, end - start));
      parts.push(slice);
      cursor += slice.length;
      if (cursor >= end) break;
    }
    return Buffer.concat(parts);
  }

  async countActive(
    owner: string,
    atMost: number,
  ): Promise<{ readonly jobs: number; readonly sessions: number }> {
    const now = this.now();
    let count = 0;
    let sessions = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: JOBS_OWNER_INDEX,
          KeyConditionExpression: '#o = :o',
          FilterExpression: '#s IN (:queued, :running) AND expiresAt > :now',
          ExpressionAttributeNames: { '#o': 'owner', '#s': 'status' },
          ExpressionAttributeValues: {
            ':o': owner,
            ':queued': 'queued',
            ':running': 'running',
            ':now': now,
          },
          ProjectionExpression: 'id, sessions',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        count++;
        // A job stored before jobs said so holds at least one.
        sessions += typeof item.sessions === 'number' ? item.sessions : 1;
      }
      start = page.LastEvaluatedKey;
    } while (start && count < atMost);
    return { jobs: Math.min(count, atMost), sessions };
  }

  async list(options: { owner?: string; limit: number }): Promise<JobRecord[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: options.owner ? JOBS_OWNER_INDEX : JOBS_ALL_INDEX,
        KeyConditionExpression: options.owner ? '#o = :v' : 'kind = :v',
        ...(options.owner ? { ExpressionAttributeNames: { '#o': 'owner' } } : {}),
        ExpressionAttributeValues: { ':v': options.owner ?? 'job' },
        ScanIndexForward: false,
        Limit: options.limit,
      }),
    );
    return (Items ?? []).flatMap((i) => this.live(i, String(i.id)) ?? []);
  }
}

/** A stored chunk of output (see `appendOutput`). */
const chunkItem = z.object({
  offset: z.number().int(),
  data: z.instanceof(Uint8Array),
  rawEnd: z.number().int().optional(),
  expiresAt: z.number(),
});
