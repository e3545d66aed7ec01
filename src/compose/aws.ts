import { WebhookNotifier } from '../adapters/http/webhook-notifier.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { LambdaDispatcher } from '../adapters/jobs/lambda-dispatcher.js';
import type { CoreDeps } from '../core/deps.js';
import { systemClock } from '../core/ports.js';
import { PolicyEngine } from '../core/policy/engine.js';
import { SecretFleetSource } from '../adapters/config/secret-fleet-source.js';
import { keyInSecret } from '../adapters/config/state-key.js';
import { Ssh2Executor } from '../adapters/ssh/ssh2-executor.js';
import { createTreeSitterShellParser } from '../adapters/shell/tree-sitter-parser.js';
import { jsonLogger } from '../adapters/log/json-logger.js';
import type { Context } from 'hono';
import { getConnInfo } from 'hono/aws-lambda';
import { createApp, type GatewayApp } from '../http/app.js';
import { AWS_ENV, type AwsEnv } from './aws-env.js';
import { storesOn } from './stores-on.js';
import { composeOAuth, parseAuthMode } from './oauth.js';
import { AppError } from '../core/errors.js';

/** A pooled connection idle this long is closed (checked on use too: frozen containers run no timers). */
const POOL_IDLE_MS = 60_000;

function required(env: AwsEnv, name: keyof AwsEnv): string {
  const value = env[name];
  if (!value)
    throw new AppError(
      'CONFIG_INVALID',
      `environment variable ${name} is not set; deploy with the CDK stack, which sets it`,
    );
  return value;
}

/** A table or secret only one of the two functions uses: the other gets a name that fails loudly if ever used. */
function givenOrUnset(env: AwsEnv, name: keyof AwsEnv): string {
  return env[name] || `unset-${name}`;
}

/** Local stand-ins (tests) get an endpoint and throwaway credentials; on AWS the defaults apply. */
function endpointConfig(endpoint: string | undefined) {
  return endpoint
    ? {
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }
    : {};
}

/**
 * The composition root on Lambda: DynamoDB tables and the fleet secret named by the environment,
 * pooled ssh2 living as long as the container. Built once per container and cached by the entry.
 * Two apps over the same deps: the main one, and the key-only one for the key-only alias's URL.
 */
export async function composeAws(
  env: AwsEnv,
  options: { wasmDir: string },
): Promise<{ app: GatewayApp; keyOnlyApp: GatewayApp; deps: CoreDeps }> {
  const logger = jsonLogger();
  const clock = systemClock;
  const dynamo = new DynamoDBClient(endpointConfig(env[AWS_ENV.dynamodbEndpoint]));
  const stores = storesOn(
    dynamo,
    {
      // The worker runs jobs and never reads users, OAuth state or approvals: not given those tables.
      users: givenOrUnset(env, AWS_ENV.usersTable),
      oauth: givenOrUnset(env, AWS_ENV.oauthTable),
      approvals: givenOrUnset(env, AWS_ENV.approvalsTable),
      audit: required(env, AWS_ENV.auditTable),
      history: required(env, AWS_ENV.historyTable),
      jobs: required(env, AWS_ENV.jobsTable),
    },
    clock,
  );
  const secrets = new SecretsManagerClient(endpointConfig(env[AWS_ENV.secretsEndpoint]));
  const maxAgeSeconds = Number(env[AWS_ENV.fleetMaxAgeSeconds] ?? 60);
  const fleet = new SecretFleetSource(secrets, required(env, AWS_ENV.fleetSecretArn), {
    maxAgeMs: maxAgeSeconds * 1000,
    logger,
    clock,
  });
  const parser = await createTreeSitterShellParser({ wasmDir: options.wasmDir });
  const dispatcher = new LambdaDispatcher(
    new LambdaClient(endpointConfig(env[AWS_ENV.lambdaEndpoint])),
    required(env, AWS_ENV.workerFunction),
  );
  const deps: CoreDeps = {
    fleet,
    users: stores.users,
    audit: stores.audit,
    history: stores.history,
    jobs: stores.jobs,
    notifier: new WebhookNotifier(),
    approvals: stores.approvals,
    approverSessions: stores.approverSessions,
    dispatcher,
    ssh: new Ssh2Executor({ poolIdleMs: POOL_IDLE_MS }),
    policy: new PolicyEngine(parser),
    clock,
    logger,
  };
  const allowedHosts = (env[AWS_ENV.allowedHosts] ?? '*')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const authMode = parseAuthMode(env[AWS_ENV.authMode], AWS_ENV.authMode);
  const oauth =
    authMode === 'oauth' && env[AWS_ENV.oauthTable]
      ? composeOAuth(stores, clock, logger)
      : undefined;
  const publicUrl = env[AWS_ENV.publicUrl];
  // Only the endpoint seals requestState; the worker is never given the secret.
  const requestStateKey = keyInSecret(secrets, givenOrUnset(env, AWS_ENV.requestStateSecretArn));
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- @hono/aws-lambda is not on npm yet
  const clientAddress = (c: Context) => getConnInfo(c).remote.address ?? 'unknown';
  // The invocation's end, from the Lambda context Hono's adapter passes along.
  const runUntil = (c: Context) => {
    const lambda = (c.env as { lambdaContext?: { getRemainingTimeInMillis?: unknown } } | undefined)
      ?.lambdaContext;
    const remaining = lambda?.getRemainingTimeInMillis;
    return typeof remaining === 'function'
      ? Date.now() + Number(remaining.call(lambda))
      : undefined;
  };
  const app = createApp(deps, {
    allowedHosts,
    ...(oauth ? { oauth } : {}),
    ...(publicUrl ? { publicUrl } : {}),
    clientAddress,
    requestStateKey,
    runUntil,
  });
  // Served on the key-only alias's Function URL: the same deps, no authorization server.
  const keyOnlyApp = createApp(deps, { allowedHosts, clientAddress, requestStateKey, runUntil });
  return { app, keyOnlyApp, deps };
}
