import { DynamoOAuthStore } from '../../../src/adapters/dynamo/dynamo-oauth-store.js';
import { oauthStoreContract } from '../../support/contracts/oauth-store.js';
import { storeForFile } from '../../support/embedded-store.js';

const store = storeForFile('oauth');

oauthStoreContract(
  'DynamoDB (dynalite)',
  async (clock) => new DynamoOAuthStore(store().db, store().tables.oauth, clock),
);
