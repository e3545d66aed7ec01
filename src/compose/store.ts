import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startEmbeddedDynamo } from '../adapters/dynamo/embedded.js';
import { ensureTables } from '../adapters/dynamo/ensure-tables.js';
import { tableNames, type TableNames } from '../adapters/dynamo/table-specs.js';
import {
  findPublishedEndpoint,
  localClient,
  publishEndpoint,
} from '../adapters/dynamo/shared-endpoint.js';
import { AppError } from '../core/errors.js';
import type { Clock } from '../core/ports.js';
import { storesOn, type Stores } from './stores-on.js';

/** Where users, audit and history live. */
export type StoreMode =
  | { readonly kind: 'embedded'; readonly dataDir: string }
  | { readonly kind: 'memory' }
  | { readonly kind: 'dynamodb'; readonly tablePrefix: string; readonly region?: string };

export const LOCAL_TABLE_PREFIX = 'smg';

export interface OpenedStore extends Stores {
  readonly tables: TableNames;
  /** The raw client, for tools that inspect tables (tests, migrations). */
  readonly dynamo: DynamoDBClient;
  /** For the operator: where the data is. */
  readonly description: string;
  close(): Promise<void>;
}

/** How long opening an embedded store may take before we say the data dir is stuck. */
const OPEN_TIMEOUT_MS = 15_000;

/**
 * Opens the store: embedded dynalite (on disk or in memory, tables created) or real DynamoDB
 * tables. With `publish`, an on-disk store announces its endpoint so CLI commands can share it;
 * without, a data dir already owned by a live gateway is reached through that gateway.
 */
export async function openStore(
  mode: StoreMode,
  clock: Clock,
  options: { publish?: boolean } = {},
): Promise<OpenedStore> {
  if (mode.kind === 'dynamodb') {
    const client = new DynamoDBClient(mode.region ? { region: mode.region } : {});
    const tables = tableNames(mode.tablePrefix);
    return {
      ...storesOn(client, tables, clock),
      tables,
      dynamo: client,
      description: `DynamoDB tables ${tables.users}, ${tables.audit}, ${tables.history}`,
      close: async () => client.destroy(),
    };
  }
  const tables = tableNames(LOCAL_TABLE_PREFIX);
  if (mode.kind === 'embedded') {
    const owner = await findPublishedEndpoint(mode.dataDir);
    if (owner) {
      if (options.publish)
        throw new AppError(
          'CONFLICT',
          `the data dir ${mode.dataDir} is in use by another gateway (pid ${owner.pid}); stop it or use another --data`,
        );
      const client = localClient(owner.endpoint);
      return {
        ...storesOn(client, tables, clock),
        tables,
        dynamo: client,
        description: `the running gateway's store (pid ${owner.pid}, ${mode.dataDir})`,
        close: async () => client.destroy(),
      };
    }
  }
  const embedded = await startEmbeddedDynamo(
    mode.kind === 'embedded' ? { path: mode.dataDir } : {},
  );
  try {
    await withTimeout(ensureTables(embedded.client, tables), OPEN_TIMEOUT_MS, () =>
      mode.kind === 'embedded'
        ? `the data dir ${mode.dataDir} did not open within ${OPEN_TIMEOUT_MS / 1000} s; another process probably holds it (stop it, or use another --data)`
        : 'the in-memory store did not start',
    );
  } catch (error) {
    void embedded.close();
    throw error;
  }
  const unpublish =
    options.publish && mode.kind === 'embedded'
      ? publishEndpoint(mode.dataDir, embedded.endpoint)
      : () => {};
  return {
    ...storesOn(embedded.client, tables, clock),
    tables,
    dynamo: embedded.client,
    description:
      mode.kind === 'embedded'
        ? `embedded DynamoDB in ${mode.dataDir}`
        : 'embedded DynamoDB in memory (lost on exit)',
    close: async () => {
      unpublish();
      await embedded.close();
    },
  };
}

function withTimeout<T>(work: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AppError('STORE', message())), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
