import { AWS_ENV } from '../../src/compose/aws-env.js';
import type { TableNames } from '../../src/adapters/dynamo/table-specs.js';

/**
 * The environment the CDK stack gives the endpoint function, pointed at local stand-ins: the
 * tables of an embedded store, its DynamoDB endpoint, the Secrets Manager and Lambda stand-ins.
 */
export function lambdaEnv(stand: {
  readonly tables: TableNames;
  readonly dynamodbEndpoint: string;
  readonly secretsEndpoint: string;
  readonly fleetSecretArn: string;
  readonly lambdaEndpoint?: string;
}): Record<string, string> {
  return {
    [AWS_ENV.usersTable]: stand.tables.users,
    [AWS_ENV.auditTable]: stand.tables.audit,
    [AWS_ENV.historyTable]: stand.tables.history,
    [AWS_ENV.jobsTable]: stand.tables.jobs,
    [AWS_ENV.oauthTable]: stand.tables.oauth,
    [AWS_ENV.approvalsTable]: stand.tables.approvals,
    [AWS_ENV.workerFunction]: 'smg-worker',
    [AWS_ENV.fleetSecretArn]: stand.fleetSecretArn,
    [AWS_ENV.dynamodbEndpoint]: stand.dynamodbEndpoint,
    [AWS_ENV.secretsEndpoint]: stand.secretsEndpoint,
    ...(stand.lambdaEndpoint ? { [AWS_ENV.lambdaEndpoint]: stand.lambdaEndpoint } : {}),
  };
}
