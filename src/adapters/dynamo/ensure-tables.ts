import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createTableInputs, type TableNames } from './table-specs.js';

/** Creates any missing table and waits until all are ACTIVE. For embedded mode and tests. */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const input of createTableInputs(names)) {
    try {
      await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await client.send(new CreateTableCommand(input));
    }
    for (let i = 0; i < 200; i++) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
      if (Table?.TableStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
