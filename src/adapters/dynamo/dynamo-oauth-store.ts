import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { systemClock, type Clock, type OAuthStore } from '../../core/ports.js';
import {
  authorizationCodeSchema,
  oauthClientSchema,
  tokenRecordSchema,
  type AuthorizationCodeRecord,
  type OAuthClient,
  type SpendResult,
  type TokenRecord,
} from '../../core/oauth/oauth-records.js';
import { epochSeconds } from '../../core/expiry.js';
import { parseItem } from './parse-item.js';

const ITEM = 'ITEM';
const key = (kind: 'CLIENT' | 'CODE' | 'TOKEN' | 'FAMILY' | 'ATTEMPT', id: string) => ({
  pk: `${kind}#${id}`,
  sk: ITEM,
});

// What the store adds to a code or token: whether it was spent.
const spendable = { used: z.boolean().optional() };
const codeItem = authorizationCodeSchema.extend(spendable);
const tokenItem = tokenRecordSchema.extend(spendable);

/**
 * The authorization server's items in one table, each its own partition (`CLIENT#id`,
 * `CODE#sha256`, `TOKEN#sha256`, `FAMILY#id`, `ATTEMPT#key`), so every lookup is one GetItem.
 * Single use is a conditional update; codes, tokens, revocations and counters carry `expiresAt`
 * (the table's TTL) and read back as absent once past it, since dynalite never deletes them.
 */
export class DynamoOAuthStore implements OAuthStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock = systemClock,
  ) {}

  private now(): number {
    return epochSeconds(this.clock);
  }

  private async get(k: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    if (typeof Item['expiresAt'] === 'number' && Item['expiresAt'] <= this.now()) return undefined;
    return Item;
  }

  async putClient(client: OAuthClient): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key('CLIENT', client.clientId), ...client },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getClient(clientId: string): Promise<OAuthClient | undefined> {
    const item = await this.get(key('CLIENT', clientId));
    return item ? parseItem(oauthClientSchema, item, `OAuth client ${clientId}`) : undefined;
  }

  async putCode(code: AuthorizationCodeRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key('CODE', code.codeHash), ...code },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async spendCode(codeHash: string): Promise<SpendResult<AuthorizationCodeRecord>> {
    return this.spend(key('CODE', codeHash), (item) =>
      stripUsed(parseItem(codeItem, item, 'an authorization code')),
    );
  }

  async putToken(token: TokenRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key('TOKEN', token.tokenHash), ...token },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async getToken(tokenHash: string): Promise<TokenRecord | undefined> {
    const item = await this.get(key('TOKEN', tokenHash));
    return item ? stripUsed(parseItem(tokenItem, item, 'an OAuth token')) : undefined;
  }

  async spendRefreshToken(tokenHash: string): Promise<SpendResult<TokenRecord>> {
    const result = await this.spend(key('TOKEN', tokenHash), (item) =>
      stripUsed(parseItem(tokenItem, item, 'an OAuth refresh token')),
    );
    return result.status !== 'missing' && result.record.kind !== 'refresh'
      ? { status: 'missing' }
      : result;
  }

  async deleteToken(tokenHash: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: key('TOKEN', tokenHash) }));
  }

  async revokeFamily(familyId: string, expiresAt: number): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...key('FAMILY', familyId), revoked: true, expiresAt },
      }),
    );
  }

  async isFamilyRevoked(familyId: string): Promise<boolean> {
    return (await this.get(key('FAMILY', familyId)))?.['revoked'] === true;
  }

  async countAttempt(counter: string, expiresAt: number): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key('ATTEMPT', counter),
        UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': expiresAt },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Number(Attributes?.['count'] ?? 1);
  }

  async attempts(counter: string): Promise<number> {
    return Number((await this.get(key('ATTEMPT', counter)))?.['count'] ?? 0);
  }

  /** Sets `used` only if it was not set and the item has not expired; tells a replay from a miss. */
  private async spend<T>(
    k: { pk: string; sk: string },
    parse: (item: Record<string, unknown>) => T,
  ): Promise<SpendResult<T>> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: k,
          UpdateExpression: 'SET used = :true',
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(used) AND expiresAt > :now',
          ExpressionAttributeValues: { ':true': true, ':now': this.now() },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { status: 'spent', record: parse(Attributes ?? {}) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const item = await this.get(k);
    return item?.['used'] === true
      ? { status: 'replayed', record: parse(item) }
      : { status: 'missing' };
  }
}

function stripUsed<T extends { used?: boolean | undefined; pk?: unknown }>(
  item: T,
): Omit<T, 'used'> {
  const { used: _used, ...rest } = item;
  return rest;
}
