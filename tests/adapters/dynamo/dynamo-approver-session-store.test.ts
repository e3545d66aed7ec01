import { DynamoApproverSessionStore } from '../../../src/adapters/dynamo/dynamo-approver-session-store.js';
import { approverSessionStoreContract } from '../../support/contracts/approver-session-store.js';
import { storeForFile } from '../../support/embedded-store.js';

const store = storeForFile('sessions');

approverSessionStoreContract(
  'DynamoDB (dynalite)',
  async () => new DynamoApproverSessionStore(store().db, store().tables.approvals),
);
