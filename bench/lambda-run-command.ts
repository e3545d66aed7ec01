/**
 * A warm `run_command` through the bundled Lambda handler (Function URL events, the handler's own
 * container: pooled SSH, DynamoDB on an embedded store, the fleet from a Secrets Manager stand-in,
 * a Lambda stand-in counting worker invocations) against an exec on an open ssh2 connection to
 * the same loopback host. Goal: ≤ 3× the floor, one invocation per short command.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { bundleMcpHandler } from '../infra/bundle-mcp-handler.js';
import { storesOn } from '../src/compose/stores-on.js';
import { addUser } from '../src/core/users/user-admin.js';
import { systemClock } from '../src/core/ports.js';
import { connectSsh } from '../src/adapters/ssh/connect.js';
import { startTestStore } from '../tests/support/embedded-store.js';
import { startSecretsStandIn } from '../tests/support/secrets-standin.js';
import { startLambdaStandIn } from '../tests/support/lambda-standin.js';
import { lambdaEnv } from '../tests/support/lambda-env.js';
import type { TestFleet, TestHost } from '../tests/support/ssh-fleet.js';
import { targetFor } from '../tests/support/targets.js';
import { bareExec } from './lib/bare-ssh.js';
import { summary, timed } from './lib/stats.js';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

const DOMAIN = 'bench.lambda-url.us-east-1.on.aws';

export async function measureLambdaRunCommand(fleet: TestFleet, host: TestHost, calls = 50) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dir = mkdtempSync(join(tmpdir(), 'smg-lambda-run-'));
  const bundle = await bundleMcpHandler(dir);
  const [store, secrets, lambda] = await Promise.all([
    startTestStore('lrc'),
    startSecretsStandIn(),
    startLambdaStandIn(() => Promise.resolve()),
  ]);
  secrets.put(
    'fleet',
    stringify({
      credentials: { ops: { privateKey: fleet.clientKey } },
      hosts: [
        {
          name: host.name,
          address: host.address,
          port: host.port,
          user: fleet.user,
          credential: 'ops',
          hostKey: host.hostKeyFingerprint,
        },
      ],
    }),
  );
  const key = (
    await addUser(
      storesOn(store.dynamo.client, store.tables, systemClock).users,
      { name: 'bench', role: 'admin' },
      systemClock,
    )
  ).key;
  const saved = { ...process.env };
  Object.assign(
    process.env,
    lambdaEnv({
      tables: store.tables,
      dynamodbEndpoint: store.dynamo.endpoint,
      secretsEndpoint: secrets.endpoint,
      fleetSecretArn: 'fleet',
      lambdaEndpoint: lambda.endpoint,
    }),
  );
  const { client: open } = await connectSsh(targetFor(fleet, host), { connectTimeoutMs: 5_000 });
  try {
    const { handler } = createRequire(import.meta.url)(bundle.file) as { handler: Handler };
    const context = {
      functionName: 'smg-mcp',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:smg-mcp',
      awsRequestId: 'bench',
      getRemainingTimeInMillis: () => 89_000,
    };
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'run_command', arguments: { host: host.name, command: 'true' } },
    });
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/mcp',
      rawQueryString: '',
      headers: {
        host: DOMAIN,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${key}`,
        'x-forwarded-proto': 'https',
      },
      requestContext: {
        domainName: DOMAIN,
        http: { method: 'POST', path: '/mcp', sourceIp: '127.0.0.1' },
        requestId: 'r',
      },
      body,
      isBase64Encoded: false,
    };
    const call = async () => {
      const answer = await handler(event, context);
      if (answer.statusCode !== 200 || !answer.body.includes('"ok":1'))
        throw new Error(`run_command through the handler failed: ${answer.body.slice(0, 300)}`);
    };
    for (let i = 0; i < 10; i++) await call();
    const gateway: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < calls; i++) {
      bare.push(await timed(() => bareExec(open, 'true')));
      gateway.push(await timed(call));
    }
    return {
      bare: summary(bare),
      gateway: summary(gateway),
      workerInvocations: lambda.invocations.length,
      calls: calls + 10,
    };
  } finally {
    open.end();
    process.env = saved;
    await Promise.allSettled([store.close(), secrets.close(), lambda.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
