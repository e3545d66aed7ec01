import { afterAll, beforeAll } from 'vitest';
import { DynamoOAuthStore } from '../../../src/adapters/dynamo/dynamo-oauth-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { oauthStoreContract } from '../../support/contracts/oauth-store.js';

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore('oauth');
});
afterAll(() => store?.close());

oauthStoreContract(
  'DynamoDB (dynalite)',
  async (clock) => new DynamoOAuthStore(store.db, store.tables.oauth, clock),
);
