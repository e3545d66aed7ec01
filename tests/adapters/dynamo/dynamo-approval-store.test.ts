import { DynamoApprovalStore } from '../../../src/adapters/dynamo/dynamo-approval-store.js';
import { approvalStoreContract } from '../../support/contracts/approval-store.js';
import { storeForFile } from '../../support/embedded-store.js';

const store = storeForFile('approvals');

approvalStoreContract(
  'DynamoDB (dynalite)',
  async () => new DynamoApprovalStore(store().db, store().tables.approvals),
);
