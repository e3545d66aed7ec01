import { DynamoHistoryStore } from '../../../src/adapters/dynamo/dynamo-history-store.js';
import { historyStoreContract } from '../../support/contracts/history-store.js';
import { storeForFile } from '../../support/embedded-store.js';

const store = storeForFile('history');

historyStoreContract(
  'DynamoDB (dynalite)',
  async (clock) => new DynamoHistoryStore(store().db, store().tables.history, clock),
);
