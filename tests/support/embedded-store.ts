import { afterAll, beforeAll } from 'vitest';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../src/adapters/dynamo/embedded.js';
import { ensureTables } from '../../src/adapters/dynamo/ensure-tables.js';
import { documentClient } from '../../src/adapters/dynamo/document-client.js';
import { tableNames, type TableNames } from '../../src/adapters/dynamo/table-specs.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface TestStore {
  readonly dynamo: EmbeddedDynamo;
  readonly db: DynamoDBDocumentClient;
  readonly tables: TableNames;
  close(): Promise<void>;
}

/** dynalite in memory with the gateway's tables created. */
export async function startTestStore(prefix = 'test'): Promise<TestStore> {
  const dynamo = await startEmbeddedDynamo();
  const tables = tableNames(prefix);
  await ensureTables(dynamo.client, tables);
  return { dynamo, db: documentClient(dynamo.client), tables, close: () => dynamo.close() };
}

/**
 * A store for the test file: started before its tests, closed after them. Returns the way to
 * reach it from a test (or from a contract's `open`).
 */
export function storeForFile(prefix: string): () => TestStore {
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await startTestStore(prefix);
  });
  afterAll(() => store?.close());
  return () => {
    if (!store) throw new Error('the test store is not started yet');
    return store;
  };
}
