import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DAY_SECONDS } from '../../core/expiry.js';

/**
 * The tables and their keys, shared by the embedded bootstrap and the CDK stack so the
 * two cannot drift.
 */
export interface TableNames {
  readonly users: string;
  readonly audit: string;
  readonly history: string;
  readonly jobs: string;
  readonly oauth: string;
  readonly approvals: string;
}

export const USERS_KEY_OWNER_INDEX = 'keyOwner-index';
export const HISTORY_TTL_ATTRIBUTE = 'expiresAt';
export const JOBS_TTL_ATTRIBUTE = 'expiresAt';
export const OAUTH_TTL_ATTRIBUTE = 'expiresAt';
export const JOBS_OWNER_INDEX = 'owner-index';
export const JOBS_ALL_INDEX = 'all-index';
export const APPROVALS_REQUESTER_INDEX = 'requester-index';
export const APPROVALS_ALL_INDEX = 'all-index';
/** DynamoDB removes an approval this long after it expired (its story stays in the audit log). */
export const APPROVALS_TTL_ATTRIBUTE = 'retainUntil';
export const APPROVALS_RETENTION_SECONDS = 30 * DAY_SECONDS;

export function tableNames(prefix: string): TableNames {
  return {
    users: `${prefix}-users`,
    audit: `${prefix}-audit`,
    history: `${prefix}-history`,
    jobs: `${prefix}-jobs`,
    oauth: `${prefix}-oauth`,
    approvals: `${prefix}-approvals`,
  };
}

/** An index listing items by one attribute, newest first (`createdAt`), with every attribute. */
function byCreatedAt(IndexName: string, hash: string) {
  return {
    IndexName,
    KeySchema: [
      { AttributeName: hash, KeyType: 'HASH' as const },
      { AttributeName: 'createdAt', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  };
}

export function createTableInputs(names: TableNames): CreateTableCommandInput[] {
  return [
    {
      TableName: names.users,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'keyOwner', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: USERS_KEY_OWNER_INDEX,
          KeySchema: [
            { AttributeName: 'keyOwner', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    },
    {
      TableName: names.audit,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'seq', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
    },
    {
      TableName: names.history,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    },
    {
      TableName: names.jobs,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: 'owner', AttributeType: 'S' },
        { AttributeName: 'kind', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        byCreatedAt(JOBS_OWNER_INDEX, 'owner'),
        byCreatedAt(JOBS_ALL_INDEX, 'kind'),
      ],
    },
    {
      TableName: names.oauth,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    },
    {
      TableName: names.approvals,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'requester', AttributeType: 'S' },
        { AttributeName: 'kind', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        byCreatedAt(APPROVALS_REQUESTER_INDEX, 'requester'),
        byCreatedAt(APPROVALS_ALL_INDEX, 'kind'),
      ],
    },
  ];
}
