import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { UserStore } from '../../core/ports.js';
import { userSchema, type ApiKeyRecord, type User } from '../../core/users/user.js';
import { AppError, ConflictError, NotFoundError } from '../../core/errors.js';
import { USERS_KEY_OWNER_INDEX } from './table-specs.js';
import { parseItem } from './parse-item.js';

const USER_PK = 'USER';
const KEY_SK = 'KEY';
const keyPk = (hash: string) => `KEY#${hash}`;
/** Requests of one read before giving up on what the service leaves unprocessed. */
const READ_ATTEMPTS = 5;

const keyItem = z.object({
  keyHash: z.string(),
  keyId: z.string(),
  keyOwner: z.string(),
  createdAt: z.string(),
});

/**
 * Users and API keys in one table. A user is `pk=USER, sk=<name>`; a key is `pk=KEY#<sha256>` so
 * authentication is one GetItem, and a GSI on `keyOwner` lists a user's keys.
 */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async createUser(user: User): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: USER_PK, sk: user.name, ...user },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new ConflictError(`user "${user.name}" already exists`, { cause: error });
      throw error;
    }
  }

  async putUser(user: User): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: USER_PK, sk: user.name, ...user },
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`no user "${user.name}"`);
      throw error;
    }
  }

  async getUser(name: string): Promise<User | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: USER_PK, sk: name },
        ConsistentRead: true,
      }),
    );
    return Item ? parseUser(Item) : undefined;
  }

  async listUsers(): Promise<User[]> {
    const users: User[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': USER_PK },
          ExclusiveStartKey: start,
        }),
      );
      users.push(...(page.Items ?? []).map(parseUser));
      start = page.LastEvaluatedKey;
    } while (start);
    return users;
  }

  async addKey(key: ApiKeyRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: keyPk(key.keyHash),
          sk: KEY_SK,
          keyHash: key.keyHash,
          keyId: key.keyId,
          keyOwner: key.userName,
          createdAt: key.createdAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async findKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: keyPk(keyHash), sk: KEY_SK },
        ConsistentRead: true,
      }),
    );
    return Item ? parseKey(Item) : undefined;
  }

  async findKeyAndUser(
    keyHash: string,
    userName: string,
  ): Promise<{ key?: ApiKeyRecord; user?: User }> {
    const keys = [
      { pk: keyPk(keyHash), sk: KEY_SK },
      { pk: USER_PK, sk: userName },
    ];
    const items: Record<string, unknown>[] = [];
    // DynamoDB may leave keys unprocessed under load; ask again for those alone.
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === READ_ATTEMPTS)
        throw new AppError(
          'STORE',
          `the users table left a read unprocessed ${READ_ATTEMPTS} times; try again`,
        );
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      const result = await this.db.send(
        new BatchGetCommand({
          RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } },
        }),
      );
      items.push(...(result.Responses?.[this.table] ?? []));
      keys.splice(
        0,
        keys.length,
        ...((result.UnprocessedKeys?.[this.table]?.Keys ?? []) as typeof keys),
      );
    }
    const keyItem = items.find((item) => item.pk !== USER_PK);
    const userItem = items.find((item) => item.pk === USER_PK);
    return {
      ...(keyItem ? { key: parseKey(keyItem) } : {}),
      ...(userItem ? { user: parseUser(userItem) } : {}),
    };
  }

  async listKeys(userName: string): Promise<ApiKeyRecord[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: USERS_KEY_OWNER_INDEX,
        KeyConditionExpression: 'keyOwner = :u',
        ExpressionAttributeValues: { ':u': userName },
      }),
    );
    return (Items ?? []).map(parseKey).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async removeKey(userName: string, keyHash: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: keyPk(keyHash), sk: KEY_SK },
          ConditionExpression: 'keyOwner = :u',
          ExpressionAttributeValues: { ':u': userName },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        throw new NotFoundError(`user "${userName}" has no such key`);
      throw error;
    }
  }
}

function parseUser(item: Record<string, unknown>): User {
  return parseItem(userSchema, item, `user record ${String(item.sk)}`);
}

function parseKey(item: Record<string, unknown>): ApiKeyRecord {
  const { keyHash, keyId, keyOwner, createdAt } = parseItem(keyItem, item, 'an API key record');
  return { keyHash, keyId, userName: keyOwner, createdAt };
}
