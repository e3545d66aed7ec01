import { afterAll, beforeAll } from 'vitest';
import { DynamoApprovalStore } from '../../../src/adapters/dynamo/dynamo-approval-store.js';
import { startTestStore, type TestStore } from '../../support/embedded-store.js';
import { approvalStoreContract } from '../../support/contracts/approval-store.js';

let store: TestStore;
beforeAll(async () => {
  store = await startTestStore('approvals');
});
afterAll(() => store.close());

approvalStoreContract(
  'DynamoDB (dynalite)',
  async () => new DynamoApprovalStore(store.db, store.tables.approvals),
);
