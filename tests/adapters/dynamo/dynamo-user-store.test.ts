import { afterAll, beforeAll } from 'vitest';
import { DynamoUserStore } from '../../../src/adapters/dynamo/dynamo-user-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { userStoreContract } from '../../support/contracts/user-store.js';

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore('users');
});
afterAll(() => store?.close());

userStoreContract(
  'DynamoDB (dynalite)',
  async () => new DynamoUserStore(store.db, store.tables.users),
);
