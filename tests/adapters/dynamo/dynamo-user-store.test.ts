import { DynamoUserStore } from '../../../src/adapters/dynamo/dynamo-user-store.js';
import { userStoreContract } from '../../support/contracts/user-store.js';
import { storeForFile } from '../../support/embedded-store.js';

const store = storeForFile('users');

userStoreContract(
  'DynamoDB (dynalite)',
  async () => new DynamoUserStore(store().db, store().tables.users),
);
