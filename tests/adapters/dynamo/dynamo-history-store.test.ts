import { afterAll, beforeAll } from 'vitest';
import { DynamoHistoryStore } from '../../../src/adapters/dynamo/dynamo-history-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { historyStoreContract } from '../../support/contracts/history-store.js';

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore('history');
});
afterAll(() => store?.close());

historyStoreContract(
  'DynamoDB (dynalite)',
  async (clock) => new DynamoHistoryStore(store.db, store.tables.history, clock),
);
