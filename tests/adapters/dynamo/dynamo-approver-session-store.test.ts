import { afterAll, beforeAll } from 'vitest';
import { DynamoApproverSessionStore } from '../../../src/adapters/dynamo/dynamo-approver-session-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { approverSessionStoreContract } from '../../support/contracts/approver-session-store.js';

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore('sessions');
});
afterAll(() => store?.close());

approverSessionStoreContract(
  'DynamoDB (dynalite)',
  async () => new DynamoApproverSessionStore(store.db, store.tables.approvals),
);
