import {
  Annotations,
  CfnOutput,
  DockerImage,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import {
  createTableInputs,
  HISTORY_TTL_ATTRIBUTE,
  JOBS_TTL_ATTRIBUTE,
  OAUTH_TTL_ATTRIBUTE,
  APPROVALS_TTL_ATTRIBUTE,
  tableNames,
} from '../src/adapters/dynamo/table-specs.js';
import { AWS_ENV, KEY_ONLY_ALIAS } from '../src/compose/aws-env.js';
import { bundleMcpHandlerSync } from './bundle-mcp-handler.js';
import { FAILURE_METRICS } from '../src/core/ports.js';
import { METRIC_NAMESPACE } from '../src/adapters/log/json-logger.js';
import { TABLE_ACCESS, type GatewayFunction, type TableGrant } from './table-access.js';

/** Private subnets (and optionally security groups) to place the function in, for private fleets. */
export interface VpcPlacement {
  readonly vpcId: string;
  readonly availabilityZones: string[];
  readonly privateSubnetIds: string[];
  readonly securityGroupIds?: string[];
}

export interface GatewayStackProps extends StackProps {
  /** Tables are named PREFIX-users, PREFIX-audit, PREFIX-history; the CLI's --dynamodb PREFIX finds them. */
  readonly tablePrefix?: string;
  readonly vpc?: VpcPlacement;
  /** Host header values to accept; `*` (default) because a Function URL answers only to its own name. */
  readonly allowedHosts?: string;
  /**
   * `oauth` (default): the function is also the OAuth authorization server, for URL-only clients
   * (Claude.ai, ChatGPT). `key`: API keys only, no discovery advertised (header-configured clients).
   */
  readonly auth?: 'oauth' | 'key';
  /** `https://gateway.example.com` when clients reach the function through a custom domain. */
  readonly publicUrl?: string;
}

const attributeType = (t: string | undefined) =>
  t === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING;

/** A value the table spec or a construct must have; its absence is a bug in this stack. */
function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`gateway stack: ${what} is missing`);
  return value;
}

/** A CDK table from the same spec the embedded store creates, so keys and indexes cannot drift. */
function tableFromSpec(
  scope: Construct,
  id: string,
  spec: CreateTableCommandInput,
  ttl?: string,
): dynamodb.Table {
  const key = (name: string | undefined) => ({
    name: required(name, `a key attribute of table ${spec.TableName}`),
    type: attributeType(
      spec.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType,
    ),
  });
  const hash = spec.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = spec.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const table = new dynamodb.Table(scope, id, {
    tableName: spec.TableName,
    partitionKey: key(hash),
    ...(range ? { sortKey: key(range) } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(ttl ? { timeToLiveAttribute: ttl } : {}),
  });
  for (const gsi of spec.GlobalSecondaryIndexes ?? []) {
    const gh = gsi.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
    const gr = gsi.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
    table.addGlobalSecondaryIndex({
      indexName: required(gsi.IndexName, `an index name of table ${spec.TableName}`),
      partitionKey: key(gh),
      ...(gr ? { sortKey: key(gr) } : {}),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  return table;
}

/**
 * The gateway on AWS: an endpoint function behind a Function URL and a job worker, six DynamoDB tables, the fleet
 * secret and the request-state key, logs with retention and alarms. Exposes what it creates.
 */
export class GatewayStack extends Stack {
  readonly users: dynamodb.Table;
  readonly audit: dynamodb.Table;
  readonly history: dynamodb.Table;
  readonly jobs: dynamodb.Table;
  /** OAuth clients, codes, tokens (hashed) and revocations; read by the endpoint only. */
  readonly oauth: dynamodb.Table;
  /** Approval requests; asked for and used by the endpoint, decided with the CLI. */
  readonly approvals: dynamodb.Table;
  readonly fleetSecret: secretsmanager.Secret;
  /** The key sealing MCP requestState between rounds of a call held for approval; the endpoint's only. */
  readonly requestStateSecret: secretsmanager.Secret;
  readonly handler: lambda.Function;
  /** Runs jobs; invoked asynchronously by the handler so work outlives the request. */
  readonly worker: lambda.Function;
  readonly url: lambda.FunctionUrl;
  /** The key-only endpoint (no OAuth discovery), on an alias of the same function; absent when auth is `key`. */
  readonly keyOnlyUrl: lambda.FunctionUrl | undefined;

  constructor(scope: Construct, id: string, props: GatewayStackProps = {}) {
    super(scope, id, props);
    const prefix = props.tablePrefix ?? 'smg';
    const [usersSpec, auditSpec, historySpec, jobsSpec, oauthSpec, approvalsSpec] =
      createTableInputs(tableNames(prefix));
    this.users = tableFromSpec(this, 'Users', required(usersSpec, 'the users table spec'));
    this.audit = tableFromSpec(this, 'Audit', required(auditSpec, 'the audit table spec'));
    this.history = tableFromSpec(
      this,
      'History',
      required(historySpec, 'the history table spec'),
      HISTORY_TTL_ATTRIBUTE,
    );
    this.jobs = tableFromSpec(
      this,
      'Jobs',
      required(jobsSpec, 'the jobs table spec'),
      JOBS_TTL_ATTRIBUTE,
    );
    this.oauth = tableFromSpec(
      this,
      'OAuth',
      required(oauthSpec, 'the oauth table spec'),
      OAUTH_TTL_ATTRIBUTE,
    );
    this.approvals = tableFromSpec(
      this,
      'Approvals',
      required(approvalsSpec, 'the approvals table spec'),
      APPROVALS_TTL_ATTRIBUTE,
    );

    this.fleetSecret = new secretsmanager.Secret(this, 'Fleet', {
      secretName: `${prefix}-fleet`,
      description:
        'ssh-mcp-gateway fleet document (the fleet.yaml format, credentials inline). Replace the empty fleet with yours.',
      // An empty fleet, so the function serves from the first deploy; it holds no secret until you put one.
      secretStringValue: SecretValue.unsafePlainText('hosts: []\n'),
    });
    Validations.of(this.fleetSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret is a fleet document (hosts and SSH credentials), rotated by its owners when they rotate the SSH keys; there is no service to rotate it against.',
    });

    // Generated at deploy and never shown: every endpoint container seals and checks with it.
    this.requestStateSecret = new secretsmanager.Secret(this, 'RequestStateKey', {
      secretName: `${prefix}-request-state-key`,
      description:
        'ssh-mcp-gateway: the HMAC key sealing MCP requestState of calls held for approval. Generated; replacing it only makes clients waiting on an approval call again.',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    Validations.of(this.requestStateSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A state sealed with it lives at most a day and grants nothing an approval id does not; replace the value by hand if it leaks.',
    });

    const vpc = props.vpc ? placement(this, props.vpc) : undefined;
    const code = lambda.Code.fromAsset('functions', {
      assetHashType: 'output' as never,
      bundling: {
        // Bundled locally with esbuild; the image is never pulled.
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
        local: { tryBundle: (outputDir: string) => (bundleMcpHandlerSync(outputDir), true) },
      },
    });
    const gatewayFunction = (
      id: string,
      use: GatewayFunction,
      handler: string,
      timeout: Duration,
      description: string,
    ) => {
      const fn = new lambda.Function(this, id, {
        description,
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        handler,
        code,
        memorySize: 1024,
        timeout,
        logGroup: new logs.LogGroup(this, `${id}Logs`, {
          retention: logs.RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        environment: {
          [AWS_ENV.allowedHosts]: props.allowedHosts ?? '*',
          [AWS_ENV.fleetMaxAgeSeconds]: '60',
        },
        ...(vpc ?? {}),
      });
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Pinned to nodejs22.x, the runtime the gateway is built and tested for; moving runtimes is a reviewed change.',
      });
      // Both run commands' bookkeeping: jobs, history, the audit chain (grants in TABLE_ACCESS).
      bindTable(fn, AWS_ENV.historyTable, this.history, TABLE_ACCESS[use].history);
      bindTable(fn, AWS_ENV.jobsTable, this.jobs, TABLE_ACCESS[use].jobs);
      bindTable(fn, AWS_ENV.auditTable, this.audit, TABLE_ACCESS[use].audit);
      fn.addEnvironment(AWS_ENV.fleetSecretArn, this.fleetSecret.secretArn);
      this.fleetSecret.grantRead(fn);
      const role = required(fn.role, `the role of ${fn.node.id}`);
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The AWS-managed basic execution role grants only CloudWatch Logs writes.',
      });
      if (vpc)
        Validations.of(role).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason: 'Needed to attach network interfaces in the given subnets.',
        });
      return fn;
    };

    this.worker = gatewayFunction(
      'Worker',
      'worker',
      'index.worker',
      Duration.minutes(15),
      'ssh-mcp-gateway job runner',
    );
    // Finishes what nobody polls: every five minutes the worker takes over running jobs whose
    // runner let go (or died) and records the end of those that have ended on their hosts.
    new events.Rule(this, 'SweepJobs', {
      description: 'ssh-mcp-gateway: take over running jobs nobody polls',
      schedule: events.Schedule.rate(Duration.minutes(5)),
      targets: [
        new targets.LambdaFunction(this.worker, {
          event: events.RuleTargetInput.fromObject({ sweep: true }),
          retryAttempts: 0,
        }),
      ],
    });
    // run_command runs in the request: its default timeout (60 s) fits with room for the records.
    this.handler = gatewayFunction(
      'Mcp',
      'mcp',
      'index.handler',
      Duration.seconds(90),
      'ssh-mcp-gateway MCP endpoint',
    );
    // Only the endpoint authenticates users and signs clients in.
    bindTable(this.handler, AWS_ENV.usersTable, this.users, TABLE_ACCESS.mcp.users);
    bindTable(this.handler, AWS_ENV.oauthTable, this.oauth, TABLE_ACCESS.mcp.oauth);
    bindTable(this.handler, AWS_ENV.approvalsTable, this.approvals, TABLE_ACCESS.mcp.approvals);
    this.handler.addEnvironment(AWS_ENV.authMode, props.auth ?? 'oauth');
    if (props.publicUrl) this.handler.addEnvironment(AWS_ENV.publicUrl, props.publicUrl);
    this.handler.addEnvironment(AWS_ENV.workerFunction, this.worker.functionName);
    this.handler.addEnvironment(AWS_ENV.requestStateSecretArn, this.requestStateSecret.secretArn);
    this.requestStateSecret.grantRead(this.handler);
    this.worker.grantInvoke(this.handler);
    const workerId = this.getLogicalId(this.worker.node.defaultChild as lambda.CfnFunction);
    Validations.of(required(this.handler.role, 'the endpoint role')).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${workerId}.Arn>:*]`,
      reason: 'grantInvoke covers the worker function’s versions and aliases.',
    });

    this.url = this.handler.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.BUFFERED,
    });
    // Header-configured clients (Cursor, VS Code, Claude Code) may drop their header once OAuth is
    // advertised; an alias's own URL serves the same function without any discovery.
    if ((props.auth ?? 'oauth') === 'oauth') {
      const alias = new lambda.Alias(this, 'KeyOnly', {
        aliasName: KEY_ONLY_ALIAS,
        version: this.handler.currentVersion,
      });
      this.keyOnlyUrl = alias.addFunctionUrl({
        authType: lambda.FunctionUrlAuthType.NONE,
        invokeMode: lambda.InvokeMode.BUFFERED,
      });
      Annotations.of(this.handler).acknowledgeWarning(
        '@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias',
        'The alias gets its own Function URL permissions; the function-level ones serve the main URL only.',
      );
    } else {
      this.keyOnlyUrl = undefined;
    }

    // The gateway's own failure counts arrive as embedded-format log lines (src/adapters/log).
    const counted = FAILURE_METRICS.map(
      (name) =>
        [
          name,
          new cloudwatch.Metric({
            namespace: METRIC_NAMESPACE,
            metricName: name,
            statistic: 'Sum',
            period: Duration.minutes(5),
          }),
        ] as const,
    );
    for (const [name, metric] of [
      ['Errors', this.handler.metricErrors({ period: Duration.minutes(5) })],
      ['Throttles', this.handler.metricThrottles({ period: Duration.minutes(5) })],
      ['WorkerErrors', this.worker.metricErrors({ period: Duration.minutes(5) })],
      ['WorkerThrottles', this.worker.metricThrottles({ period: Duration.minutes(5) })],
      ...counted,
    ] as const) {
      new cloudwatch.Alarm(this, `${name}Alarm`, {
        alarmDescription: `ssh-mcp-gateway ${name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    new CfnOutput(this, 'McpUrl', {
      value: props.publicUrl ? `${new URL(props.publicUrl).origin}/mcp` : `${this.url.url}mcp`,
      description:
        (props.auth ?? 'oauth') === 'oauth'
          ? 'Add as a connector (sign in with your API key), or send Authorization: Bearer <API key>'
          : 'Paste into an MCP client, with Authorization: Bearer <API key>',
    });
    if (this.keyOnlyUrl)
      new CfnOutput(this, 'KeyOnlyMcpUrl', {
        value: `${this.keyOnlyUrl.url}mcp`,
        description:
          'For clients that send Authorization: Bearer <API key>; advertises no OAuth discovery',
      });
    new CfnOutput(this, 'TablePrefix', {
      value: prefix,
      description: 'For the CLI: --dynamodb PREFIX',
    });
    new CfnOutput(this, 'UsersTable', { value: this.users.tableName });
    new CfnOutput(this, 'AuditTable', { value: this.audit.tableName });
    new CfnOutput(this, 'HistoryTable', { value: this.history.tableName });
    new CfnOutput(this, 'JobsTable', { value: this.jobs.tableName });
    new CfnOutput(this, 'OAuthTable', { value: this.oauth.tableName });
    new CfnOutput(this, 'ApprovalsTable', { value: this.approvals.tableName });
    new CfnOutput(this, 'FleetSecretArn', {
      value: this.fleetSecret.secretArn,
      description: 'Put your fleet document here',
    });
  }
}

/**
 * Sets the env var and the grant together, so one cannot be wired without the other: exactly the
 * listed actions, on the table and on the indexes the function queries.
 */
function bindTable(
  fn: lambda.Function,
  envName: string,
  table: dynamodb.Table,
  grant: TableGrant | undefined,
): void {
  fn.addEnvironment(envName, table.tableName);
  if (!grant || grant.actions.length === 0) return;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: grant.actions.map((a) => `dynamodb:${a}`),
      resources: [
        table.tableArn,
        ...(grant.indexes ?? []).map((index) => `${table.tableArn}/index/${index}`),
      ],
    }),
  );
}

function placement(
  scope: Construct,
  v: VpcPlacement,
): Pick<lambda.FunctionProps, 'vpc' | 'vpcSubnets' | 'securityGroups'> {
  const vpc = ec2.Vpc.fromVpcAttributes(scope, 'Vpc', {
    vpcId: v.vpcId,
    availabilityZones: v.availabilityZones,
    privateSubnetIds: v.privateSubnetIds,
  });
  return {
    vpc,
    vpcSubnets: {
      subnets: v.privateSubnetIds.map((id, i) => ec2.Subnet.fromSubnetId(scope, `Subnet${i}`, id)),
    },
    ...(v.securityGroupIds
      ? {
          securityGroups: v.securityGroupIds.map((id, i) =>
            ec2.SecurityGroup.fromSecurityGroupId(scope, `Sg${i}`, id),
          ),
        }
      : {}),
  };
}
