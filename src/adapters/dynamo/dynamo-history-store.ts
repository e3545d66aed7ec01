import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, HistoryStore } from '../../core/ports.js';
import { systemClock } from '../../core/ports.js';
import { historyEntrySchema, type HistoryEntry } from '../../core/exec/history-entry.js';
import { batchPut } from './batch-put.js';
import { epochSeconds } from '../../core/expiry.js';
import { parseItem } from './parse-item.js';

const item = (e: HistoryEntry) => ({ pk: `HOST#${e.host}`, sk: `${e.time}#${e.id}`, ...e });

/**
 * One item per host execution, `pk=HOST#<name>, sk=<time>#<id>`, expiring through the TTL
 * attribute `expiresAt`. DynamoDB deletes expired items lazily (dynalite never), so reads treat
 * them as absent.
 */
export class DynamoHistoryStore implements HistoryStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  async put(e: HistoryEntry): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: item(e),
      }),
    );
  }

  async putMany(entries: readonly HistoryEntry[]): Promise<void> {
    await batchPut(this.db, this.table, entries.map(item));
  }

  async listByHost(host: string, limit: number): Promise<HistoryEntry[]> {
    const now = epochSeconds(this.clock);
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':pk': `HOST#${host}`, ':now': now },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (Items ?? []).map((raw) =>
      parseItem(historyEntrySchema, raw, `history item ${String(raw.sk)}`),
    );
  }
}
