import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GatewayStack } from '../../infra/gateway-stack.js';
import { AWS_ENV } from '../../src/compose/aws-env.js';

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
      Environment: {
        Variables: Match.objectLike({
          [AWS_ENV.usersTable]: ref(stack.users),
          [AWS_ENV.auditTable]: ref(stack.audit),
          [AWS_ENV.historyTable]: ref(stack.history),
          [AWS_ENV.jobsTable]: ref(stack.jobs),
          [AWS_ENV.fleetSecretArn]: ref(stack.fleetSecret),
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
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction' })]),
      },
    });
  });

  it('creates on-demand, encrypted, point-in-time-recoverable tables named by the prefix, with TTL on history', () => {
    for (const name of ['acme-users', 'acme-audit', 'acme-history', 'acme-jobs', 'acme-oauth']) {
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

  it('lets the function only append to and read the audit table — no update, no delete', () => {
    const auditArn = {
      'Fn::GetAtt': [stack.getLogicalId(stack.audit.node.defaultChild as never), 'Arn'],
    };
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (
          p as {
            Properties: {
              PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
            };
          }
        ).Properties.PolicyDocument.Statement,
    );
    const onAudit = statements.filter((s) =>
      JSON.stringify(s.Resource).includes(JSON.stringify(auditArn)),
    );
    // The endpoint and the worker both append; neither may do more.
    expect(onAudit).toHaveLength(2);
    for (const statement of onAudit)
      expect([statement.Action].flat().sort()).toEqual([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
      ]);
    const everything = statements.flatMap((s) => [s.Action].flat());
    expect(everything).not.toContain('dynamodb:*');
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

  it('serves a Function URL without IAM auth (the app authenticates), with log retention and alarms', () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      InvokeMode: 'BUFFERED',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
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
