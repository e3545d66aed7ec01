import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoUserStore } from '../adapters/dynamo/dynamo-user-store.js';
import { DynamoAuditStore } from '../adapters/dynamo/dynamo-audit-store.js';
import { DynamoHistoryStore } from '../adapters/dynamo/dynamo-history-store.js';
import { documentClient } from '../adapters/dynamo/document-client.js';
import { startEmbeddedDynamo } from '../adapters/dynamo/embedded.js';
import { ensureTables } from '../adapters/dynamo/ensure-tables.js';
import { tableNames, type TableNames } from '../adapters/dynamo/table-specs.js';
import { AuditLog } from '../core/audit/audit-log.js';
import type { AuditStore, Clock, HistoryStore, UserStore } from '../core/ports.js';

/** Where users, audit and history live. */
export type StoreMode =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'memory' }
  | { readonly kind: 'dynamodb'; readonly tablePrefix: string; readonly region?: string };

export const LOCAL_TABLE_PREFIX = 'smg';

export interface OpenedStore {
  readonly users: UserStore;
  readonly auditStore: AuditStore;
  readonly audit: AuditLog;
  readonly history: HistoryStore;
  readonly tables: TableNames;
  /** For the operator: where the data is. */
  readonly description: string;
  close(): Promise<void>;
}

/** Builds the stores over a DynamoDB client; the one implementation for every mode. */
export function storesOn(client: DynamoDBClient, tables: TableNames, clock: Clock): Pick<OpenedStore, 'users' | 'auditStore' | 'audit' | 'history'> {
  const db = documentClient(client);
  const auditStore = new DynamoAuditStore(db, tables.audit);
  return {
    users: new DynamoUserStore(db, tables.users),
    auditStore,
    audit: new AuditLog(auditStore, clock),
    history: new DynamoHistoryStore(db, tables.history, clock),
  };
}

/** Opens the store: embedded dynalite (on disk or in memory, tables created) or real DynamoDB tables. */
export async function openStore(mode: StoreMode, clock: Clock): Promise<OpenedStore> {
  if (mode.kind === 'dynamodb') {
    const client = new DynamoDBClient(mode.region ? { region: mode.region } : {});
    const tables = tableNames(mode.tablePrefix);
    return { ...storesOn(client, tables, clock), tables, description: `DynamoDB tables ${tables.users}, ${tables.audit}, ${tables.history}`, close: async () => client.destroy() };
  }
  const embedded = await startEmbeddedDynamo(mode.kind === 'embedded' ? { path: mode.dataDir } : {});
  const tables = tableNames(LOCAL_TABLE_PREFIX);
  try {
    await ensureTables(embedded.client, tables);
  } catch (error) {
    await embedded.close();
    throw error;
  }
  return {
    ...storesOn(embedded.client, tables, clock),
    tables,
    description: mode.kind === 'embedded' ? `embedded DynamoDB in ${mode.dataDir}` : 'embedded DynamoDB in memory (lost on exit)',
    close: () => embedded.close(),
  };
}
