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
