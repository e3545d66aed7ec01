import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ApprovalStore } from '../../core/ports.js';
import {
  approvalRecordSchema,
  type ApprovalPatch,
  type ApprovalRecord,
  type ApprovalStatus,
} from '../../core/approvals/approval.js';
import { updateIf } from './conditional-update.js';
import { ConflictError } from '../../core/errors.js';
import {
  APPROVALS_ALL_INDEX,
  APPROVALS_REQUESTER_INDEX,
  APPROVALS_RETENTION_SECONDS,
} from './table-specs.js';
import { parseItem } from './parse-item.js';

const KIND = 'approval';

/**
 * One item per request, keyed by its id; GSIs list requests by requester and overall, newest
 * first. Status changes are conditional updates. The table's TTL (`retainUntil`) removes an item
 * a month after it expired; whether it has expired is decided by readers from `expiresAt`.
 */
export class DynamoApprovalStore implements ApprovalStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(record: ApprovalRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...record,
            kind: KIND,
            retainUntil: record.expiresAt + APPROVALS_RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`approval ${record.id} already exists`, { cause: error });
      throw error;
    }
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    // The table also holds approval-page sessions and counters, under ids of their own.
    if (!id.startsWith('apr_')) return undefined;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    return Item ? parse(Item) : undefined;
  }

  listByRequester(requester: string, limit: number): Promise<ApprovalRecord[]> {
    return this.query(APPROVALS_REQUESTER_INDEX, 'requester', requester, limit);
  }

  list(limit: number): Promise<ApprovalRecord[]> {
    return this.query(APPROVALS_ALL_INDEX, 'kind', KIND, limit);
  }

  transition(
    id: string,
    from: ApprovalStatus,
    patch: ApprovalPatch,
    before?: number,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':from': from };
    const conditions = ['attribute_exists(id)', '#status = :from'];
    if (before !== undefined) {
      values[':before'] = before;
      conditions.push('expiresAt > :before');
    }
    return updateIf(this.db, this.table, { id }, patch, {
      expression: conditions.join(' AND '),
      names,
      values,
    });
  }

  async use(id: string, before: number): Promise<{ used: number; runs: number } | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: 'SET used = if_not_exists(used, :zero) + :one',
          ConditionExpression:
            // A missing `runs` is one run: the first use finds no `used`, the second finds no `runs`.
            '#status = :approved AND expiresAt > :before AND (attribute_not_exists(used) OR used < runs)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':approved': 'approved',
            ':before': before,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const record = parse(Attributes ?? {});
      return { used: record.used ?? 1, runs: record.runs ?? 1 };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private async query(
    index: string,
    key: string,
    value: string,
    limit: number,
  ): Promise<ApprovalRecord[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': key },
        ExpressionAttributeValues: { ':v': value },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map(parse);
  }
}

function parse(item: Record<string, unknown>): ApprovalRecord {
  const { kind: _kind, retainUntil: _retain, ...rest } = item;
  return parseItem(approvalRecordSchema, rest, `approval ${String(item['id'])}`);
}
