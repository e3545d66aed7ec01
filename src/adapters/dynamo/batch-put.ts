import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AppError } from '../../core/errors.js';

/** DynamoDB's limit of requests in one BatchWriteItem. */
const BATCH = 25;
const ATTEMPTS = 8;

/**
 * Puts items with as few requests as DynamoDB allows: batches of 25, sent together, each retried
 * (with backoff) for what the service leaves unprocessed. Throws when some are still left.
 */
export async function batchPut(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly Record<string, unknown>[],
): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  await Promise.all(
    batches.map(async (batch) => {
      let requests: Record<string, unknown>[] = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt === ATTEMPTS)
          throw new AppError(
            'STORE',
            `${requests.length} item(s) for ${table} were left unprocessed after ${ATTEMPTS} attempts; try again`,
          );
        if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
        const result = await db.send(
          new BatchWriteCommand({ RequestItems: { [table]: requests } }),
        );
        requests = result.UnprocessedItems?.[table] ?? [];
      }
    }),
  );
}
