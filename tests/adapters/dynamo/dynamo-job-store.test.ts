import { describe, expect, it } from 'vitest';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoJobStore } from '../../../src/adapters/dynamo/dynamo-job-store.js';
import { storeForFile } from '../../support/embedded-store.js';
import { jobStoreContract } from '../../support/contracts/job-store.js';
import { jobFixture, movableClock } from '../../support/fixtures.js';

const store = storeForFile('jobs');

jobStoreContract(
  'DynamoDB (dynalite)',
  async (clock) => new DynamoJobStore(store().db, store().tables.jobs, clock),
);

describe('DynamoJobStore on dynalite', () => {
  it('refuses to read back a job item it did not write, saying which and what is wrong', async () => {
    const job = jobFixture(movableClock(), { id: 'j-bad' });
    await store().db.send(
      new PutCommand({
        TableName: store().tables.jobs,
        Item: { pk: 'JOB#j-bad', sk: 'META', kind: 'job', ...job, status: 'exploded' },
      }),
    );
    const read = new DynamoJobStore(store().db, store().tables.jobs).get('j-bad');
    await expect(read).rejects.toMatchObject({ code: 'STORE' });
    await expect(read).rejects.toThrow(/job j-bad in the store is malformed \(status: /);
  });
});
