import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoUserStore } from '../adapters/dynamo/dynamo-user-store.js';
import { DynamoAuditStore } from '../adapters/dynamo/dynamo-audit-store.js';
import { DynamoHistoryStore } from '../adapters/dynamo/dynamo-history-store.js';
import { DynamoJobStore } from '../adapters/dynamo/dynamo-job-store.js';
import { DynamoOAuthStore } from '../adapters/dynamo/dynamo-oauth-store.js';
import { DynamoApprovalStore } from '../adapters/dynamo/dynamo-approval-store.js';
import { DynamoApproverSessionStore } from '../adapters/dynamo/dynamo-approver-session-store.js';
import { documentClient } from '../adapters/dynamo/document-client.js';
import type { TableNames } from '../adapters/dynamo/table-specs.js';
import { AuditLog } from '../core/audit/audit-log.js';
import type {
  AuditStore,
  Clock,
  HistoryStore,
  JobStore,
  OAuthStore,
  UserStore,
  ApprovalStore,
  ApproverSessionStore,
} from '../core/ports.js';

export interface Stores {
  readonly users: UserStore;
  readonly auditStore: AuditStore;
  readonly audit: AuditLog;
  readonly history: HistoryStore;
  readonly jobs: JobStore;
  readonly oauth: OAuthStore;
  readonly approvals: ApprovalStore;
  readonly approverSessions: ApproverSessionStore;
}

/** Builds the stores over a DynamoDB client; the one implementation for every mode. */
export function storesOn(client: DynamoDBClient, tables: TableNames, clock: Clock): Stores {
  const db = documentClient(client);
  const auditStore = new DynamoAuditStore(db, tables.audit);
  return {
    users: new DynamoUserStore(db, tables.users),
    auditStore,
    audit: new AuditLog(auditStore, clock),
    history: new DynamoHistoryStore(db, tables.history, clock),
    jobs: new DynamoJobStore(db, tables.jobs, clock),
    oauth: new DynamoOAuthStore(db, tables.oauth, clock),
    approvals: new DynamoApprovalStore(db, tables.approvals),
    approverSessions: new DynamoApproverSessionStore(db, tables.approvals),
  };
}
