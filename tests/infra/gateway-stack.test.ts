import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, SecretValue, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayStack } from '../../infra/gateway-stack.js';
import { AWS_ENV } from '../../src/compose/aws-env.js';
import { TABLE_ACCESS } from '../../infra/table-access.js';

interface Report {
  pluginReports: {
    pluginName?: string;
    violations?: { ruleName: string; violatingResources?: unknown[] }[];
  }[];
}

/** Synthesises with the AwsSolutions checks and returns the validation report. */
function nagReport(build: (app: App) => void): Report {
  const outdir = mkdtempSync(join(tmpdir(), 'smg-cdk-'));
  try {
    const app = new App({ outdir });
    build(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    try {
      app.synth();
    } catch {
      // A failed validation still writes the report; the assertions read it.
    }
    return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as Report;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const violations = (r: Report) =>
  r.pluginReports.flatMap((p) => p.violations ?? []).map((v) => v.ruleName);

describe('GatewayStack', () => {
  let template: Template;
  let stack: GatewayStack;
  beforeAll(() => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'smg-cdk-')) });
    stack = new GatewayStack(app, 'Test', { tablePrefix: 'acme' });
    template = Template.fromStack(stack);
  });
  afterAll(() => undefined);

  const ref = (construct: { node: { defaultChild?: unknown } }) => ({
    Ref: stack.getLogicalId(construct.node.defaultChild as never),
  });

  it('runs Node 22 on arm64 with the tables and the secret wired through the shared env names', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      // Room for run_command's default 60 s timeout in the request, and its records after.
      Timeout: 90,
      Environment: {
        Variables: Match.objectLike({
          [AWS_ENV.usersTable]: ref(stack.users),
          [AWS_ENV.auditTable]: ref(stack.audit),
          [AWS_ENV.historyTable]: ref(stack.history),
          [AWS_ENV.jobsTable]: ref(stack.jobs),
          [AWS_ENV.fleetSecretArn]: ref(stack.fleetSecret),
          [AWS_ENV.requestStateSecretArn]: ref(stack.requestStateSecret),
          [AWS_ENV.workerFunction]: ref(stack.worker),
          [AWS_ENV.allowedHosts]: '*',
          [AWS_ENV.oauthTable]: ref(stack.oauth),
          [AWS_ENV.authMode]: 'oauth',
        }),
      },
    });
  });

  it('runs jobs in a worker from the same bundle, which the endpoint may invoke, and which never sees users', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.worker',
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          [AWS_ENV.jobsTable]: ref(stack.jobs),
          [AWS_ENV.auditTable]: ref(stack.audit),
        }),
      },
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: {
        Handler: string;
        Code: unknown;
        Environment: { Variables: Record<string, unknown> };
      };
    }[];
    const worker = functions.find((f) => f.Properties.Handler === 'index.worker')!;
    const endpoint = functions.find((f) => f.Properties.Handler === 'index.handler')!;
    expect(worker.Properties.Code).toEqual(endpoint.Properties.Code);
    expect(worker.Properties.Environment.Variables[AWS_ENV.usersTable]).toBeUndefined();
    expect(worker.Properties.Environment.Variables[AWS_ENV.oauthTable]).toBeUndefined();
    expect(worker.Properties.Environment.Variables[AWS_ENV.requestStateSecretArn]).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction' })]),
      },
    });
  });

  it('sends the worker a sweep every five minutes: running jobs nobody polls are taken over', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as {
      Properties: { ScheduleExpression: string; Targets: { Arn: unknown; Input: string }[] };
    }[];
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.ScheduleExpression).toBe('rate(5 minutes)');
    expect(rule.Targets).toHaveLength(1);
    expect(JSON.parse(rule.Targets[0]!.Input)).toEqual({ sweep: true });
    const workerId = stack.getLogicalId(stack.worker.node.defaultChild as CfnElement);
    expect(rule.Targets[0]!.Arn).toEqual({ 'Fn::GetAtt': [workerId, 'Arn'] });
  });

  it('creates on-demand, encrypted, point-in-time-recoverable tables named by the prefix, with TTL on history', () => {
    for (const name of [
      'acme-users',
      'acme-audit',
      'acme-history',
      'acme-jobs',
      'acme-oauth',
      'acme-approvals',
    ]) {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    }
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'acme-history',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'acme-oauth',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'acme-jobs',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    // Approvals are kept a month past their expiry; whether one has expired is decided on read.
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'acme-approvals',
      TimeToLiveSpecification: { AttributeName: 'retainUntil', Enabled: true },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'acme-audit',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'seq', KeyType: 'RANGE' },
      ],
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'acme-users',
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'keyOwner-index' })],
    });
  });

  /** The DynamoDB actions a function's role may take on a table, per resource (table or index). */
  function dynamoGrants(handler: string, table: { node: { defaultChild?: unknown } }) {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Handler: string; Role: { 'Fn::GetAtt': [string, string] } };
    }[];
    const role = functions.find((f) => f.Properties.Handler === handler)!.Properties.Role[
      'Fn::GetAtt'
    ][0];
    const tableArn = JSON.stringify({
      'Fn::GetAtt': [stack.getLogicalId(table.node.defaultChild as never), 'Arn'],
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: {
        Roles: { Ref: string }[];
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      };
    }[];
    const statements = policies
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st) => JSON.stringify(st.Resource).includes(tableArn));
    return {
      actions: [...new Set(statements.flatMap((st) => [st.Action].flat()))].sort(),
      resources: statements.flatMap((st) => [st.Resource].flat()),
    };
  }

  it('grants each function exactly the DynamoDB actions its code uses, table by table — no Scan, users read-only for the endpoint', () => {
    const tables = {
      users: stack.users,
      oauth: stack.oauth,
      audit: stack.audit,
      history: stack.history,
      jobs: stack.jobs,
      approvals: stack.approvals,
    };
    for (const [use, handler] of [
      ['mcp', 'index.handler'],
      ['worker', 'index.worker'],
    ] as const) {
      for (const [name, table] of Object.entries(tables)) {
        const expected = TABLE_ACCESS[use][name as keyof typeof tables]?.actions ?? [];
        const granted = dynamoGrants(handler, table);
        expect(granted.actions, `${use} on ${name}`).toEqual(
          expected.map((a) => `dynamodb:${a}`).sort(),
        );
        // Indexes are named, never a wildcard.
        expect(JSON.stringify(granted.resources), `${use} on ${name}`).not.toContain('/index/*');
      }
    }
    // What the finding was about, spelled out.
    expect(dynamoGrants('index.handler', stack.users).actions).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
    ]);
    expect(dynamoGrants('index.worker', stack.users).actions).toEqual([]);
    // The endpoint asks for and uses approvals; only the CLI decides them, and nothing lists them all.
    expect(dynamoGrants('index.handler', stack.approvals).actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(JSON.stringify(dynamoGrants('index.handler', stack.approvals).resources)).not.toContain(
      'all-index',
    );
    expect(dynamoGrants('index.worker', stack.approvals).actions).toEqual([]);
    expect(dynamoGrants('index.handler', stack.audit).actions).toEqual([
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]);
    const everything = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    for (const wide of ['dynamodb:Scan', 'dynamodb:*', 'dynamodb:DeleteTable'])
      expect(everything).not.toContain(wide);
    // Only OAuth access tokens are ever deleted, by the endpoint.
    expect(everything.match(/dynamodb:DeleteItem/g)).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
            Resource: ref(stack.fleetSecret),
          }),
        ]),
      },
    });
  });

  it('generates the request-state key as a secret only the endpoint reads', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'acme-request-state-key',
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as {
      Properties: { Handler: string; Role: { 'Fn::GetAtt': [string, string] } };
    }[];
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: unknown[] } };
    }[];
    const readers = (secret: { node: { defaultChild?: unknown } }) =>
      functions
        .filter((f) =>
          policies.some(
            (p) =>
              p.Properties.Roles.some((r) => r.Ref === f.Properties.Role['Fn::GetAtt'][0]) &&
              JSON.stringify(p.Properties.PolicyDocument.Statement).includes(
                JSON.stringify(ref(secret)),
              ),
          ),
        )
        .map((f) => f.Properties.Handler)
        .sort();
    expect(readers(stack.requestStateSecret)).toEqual(['index.handler']);
    expect(readers(stack.fleetSecret)).toEqual(['index.handler', 'index.worker']);
  });

  it('serves a Function URL without IAM auth (the app authenticates), with log retention and alarms', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    for (const name of ['AuditWriteFailures', 'HistoryWriteFailures'])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'ssh-mcp-gateway',
        MetricName: name,
        Statistic: 'Sum',
        Threshold: 1,
      });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Threshold: 1,
    });
  });

  it('outputs the MCP URL, table names and the secret ARN', () => {
    for (const output of [
      'McpUrl',
      'TablePrefix',
      'UsersTable',
      'AuditTable',
      'HistoryTable',
      'JobsTable',
      'OAuthTable',
      'ApprovalsTable',
      'FleetSecretArn',
    ])
      template.hasOutput(output, {});
    template.hasOutput('McpUrl', {
      Value: {
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [Match.stringLikeRegexp('McpFunctionUrl'), 'FunctionUrl'] }, 'mcp'],
        ],
      },
    });
  });

  it('serves a second, key-only URL on an alias of the same function', () => {
    template.hasResourceProperties('AWS::Lambda::Alias', {
      Name: 'keyonly',
      FunctionName: ref(stack.handler),
    });
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.hasOutput('KeyOnlyMcpUrl', {});
  });

  it('serves API keys only, with no OAuth discovery, when deployed with auth=key, and names a custom domain', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'smg-cdk-')) });
    const keyOnly = Template.fromStack(
      new GatewayStack(app, 'KeyOnly', { auth: 'key', publicUrl: 'https://gw.example.com' }),
    );
    keyOnly.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          [AWS_ENV.authMode]: 'key',
          [AWS_ENV.publicUrl]: 'https://gw.example.com',
        }),
      },
    });
    keyOnly.hasOutput('McpUrl', { Value: 'https://gw.example.com/mcp' });
    keyOnly.resourceCountIs('AWS::Lambda::Url', 1);
    keyOnly.resourceCountIs('AWS::Lambda::Alias', 0);
  });

  it('places the function in given private subnets when asked', () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'smg-cdk-')) });
    const inVpc = new GatewayStack(app, 'Vpc', {
      vpc: {
        vpcId: 'vpc-123',
        availabilityZones: ['us-east-1a'],
        privateSubnetIds: ['subnet-abc'],
        securityGroupIds: ['sg-123'],
      },
    });
    Template.fromStack(inVpc).hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-abc'], SecurityGroupIds: ['sg-123'] },
    });
  });

  it('passes the cdk-nag AwsSolutions checks, every acknowledgement carrying a reason', () => {
    expect(violations(nagReport((app) => new GatewayStack(app, 'Nag')))).toEqual([]);
    expect(
      violations(
        nagReport(
          (app) =>
            new GatewayStack(app, 'NagVpc', {
              vpc: {
                vpcId: 'vpc-0123456789abcdef0',
                availabilityZones: ['us-east-1a'],
                privateSubnetIds: ['subnet-0123456789abcdef0'],
              },
            }),
        ),
      ),
    ).toEqual([]);
  });

  it('would report a finding that is not acknowledged (the checks really run)', () => {
    const found = violations(
      nagReport((app) => {
        const bare = new Stack(app, 'Bare');
        new secretsmanager.Secret(bare, 'S', {
          secretStringValue: SecretValue.unsafePlainText('x'),
        });
      }),
    );
    expect(found.join(' ')).toMatch(/SMG4/);
  });
});
