import {
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { updateIf } from './conditional-update.js';
import type { ApproverSession, ApproverSessionStore } from '../../core/ports.js';
import { parseItem } from './parse-item.js';
import { hasExpired } from '../../core/expiry.js';
import { approverSessionSchema } from '../../core/approvals/approver-session-record.js';

/**
 * Approval-page sessions and wrong-key counts, kept in the approvals table under ids of their own
 * (`ses_<hash>`, `att_<address>_<window>`, never listed with approvals) so the endpoint needs no
 * further table or grant; the table's TTL removes them after they end.
 */
export class DynamoApproverSessionStore implements ApproverSessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createSession(session: ApproverSession): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          id: `ses_${session.tokenHash}`,
          kind: 'session',
          ...session,
          retainUntil: session.expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(id)',
      }),
    );
  }

  async getSession(tokenHash: string, now: number): Promise<ApproverSession | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { id: `ses_${tokenHash}` },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const session = parseItem(approverSessionSchema, Item, 'an approver session');
    return hasExpired(session.expiresAt, now) ? undefined : session;
  }

  async endSession(tokenHash: string, now: number): Promise<void> {
    // Already ended or gone: signing out again changes nothing.
    await updateIf(
      this.db,
      this.table,
      { id: `ses_${tokenHash}` },
      { expiresAt: now },
      {
        expression: 'attribute_exists(id) AND expiresAt > :now',
        names: {},
        values: { ':now': now },
      },
    );
  }

  async countFailure(address: string, windowStart: number, retainUntil: number): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { id: `att_${address}_${windowStart}` },
        UpdateExpression: 'ADD #n :one SET kind = :kind, retainUntil = :until',
        ExpressionAttributeNames: { '#n': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':kind': 'attempt', ':until': retainUntil },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Number(Attributes?.['count'] ?? 1);
  }

  async failures(address: string, windowStart: number): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { id: `att_${address}_${windowStart}` },
        ConsistentRead: true,
      }),
    );
    return Number(Item?.['count'] ?? 0);
  }
}
