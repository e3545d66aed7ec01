import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AuditStore } from '../../core/ports.js';
import type { AuditEvent, AuditRecord } from '../../core/audit/audit-record.js';
import { canonicalJson } from '../../core/audit/hash-chain.js';
import { parseItem } from './parse-item.js';

const CHAIN = 'chain';

const item = z.object({
  seq: z.number(),
  time: z.string(),
  prevHash: z.string(),
  hash: z.string(),
  event: z.string(),
});

/**
 * One partition, sort key `seq`. Appends are PutItem with `attribute_not_exists(seq)`, so two
 * writers cannot both take a seq and the chain cannot fork; no item is ever updated or deleted.
 * The event is stored as its canonical JSON so its hash survives the round trip byte for byte;
 * `user`, `tool`, `type` and `hosts` are copied out for filtering.
 */
export class DynamoAuditStore implements AuditStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async head(): Promise<AuditRecord | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': CHAIN },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0] ? parse(Items[0]) : undefined;
  }

  async append(record: AuditRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: CHAIN,
            seq: record.seq,
            time: record.time,
            prevHash: record.prevHash,
            hash: record.hash,
            event: canonicalJson(record.event),
            type: record.event.type,
            user: record.event.user,
            tool: record.event.tool,
            hosts: record.event.targets ? [...record.event.targets] : undefined,
          },
          ConditionExpression: 'attribute_not_exists(seq)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async range(options: {
    afterSeq?: number;
    beforeSeq?: number;
    limit: number;
    newestFirst?: boolean;
  }): Promise<AuditRecord[]> {
    // seq is a whole number, so exclusive bounds are an inclusive BETWEEN one step inside.
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND seq BETWEEN :lo AND :hi',
        ExpressionAttributeValues: {
          ':pk': CHAIN,
          ':lo': (options.afterSeq ?? 0) + 1,
          ':hi': (options.beforeSeq ?? Number.MAX_SAFE_INTEGER) - 1,
        },
        ScanIndexForward: !(options.newestFirst ?? false),
        Limit: options.limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(parse);
  }
}

function parse(raw: Record<string, unknown>): AuditRecord {
  const { seq, time, prevHash, hash, event } = parseItem(
    item,
    raw,
    `audit record ${String(raw.seq)}`,
  );
  return { seq, time, prevHash, hash, event: JSON.parse(event) as AuditEvent };
}
