/**
 * Environment variables the Lambda function reads. The CDK stack imports these names, so the
 * infra and the app cannot disagree about them. Only src/compose reads process.env.
 */
export const AWS_ENV = {
  usersTable: 'SMG_USERS_TABLE',
  auditTable: 'SMG_AUDIT_TABLE',
  historyTable: 'SMG_HISTORY_TABLE',
  jobsTable: 'SMG_JOBS_TABLE',
  /** Authorization server state (the endpoint only). */
  oauthTable: 'SMG_OAUTH_TABLE',
  /** Approval requests (the endpoint only: they are asked for and used when a call arrives). */
  approvalsTable: 'SMG_APPROVALS_TABLE',
  /** `oauth` (default: also the authorization server) or `key` (API keys only, no OAuth discovery). */
  authMode: 'SMG_AUTH_MODE',
  /** `https://gateway.example.com` when clients reach the function through another name (a custom domain). */
  publicUrl: 'SMG_PUBLIC_URL',
  fleetSecretArn: 'SMG_FLEET_SECRET_ARN',
  /** The key sealing MCP requestState between rounds of a call held for approval (the endpoint only). */
  requestStateSecretArn: 'SMG_REQUEST_STATE_SECRET_ARN',
  /** The function that runs jobs (invoked asynchronously). */
  workerFunction: 'SMG_WORKER_FUNCTION',
  /** Seconds the fleet document is cached before it is read again (default 60). */
  fleetMaxAgeSeconds: 'SMG_FLEET_MAX_AGE_SECONDS',
  /** Comma-separated Host header values, or `*` (a Function URL is reachable only by its own name). */
  allowedHosts: 'SMG_ALLOWED_HOSTS',
  /** Tests only: endpoints of local stand-ins for DynamoDB and Secrets Manager. */
  dynamodbEndpoint: 'SMG_DYNAMODB_ENDPOINT',
  secretsEndpoint: 'SMG_SECRETS_ENDPOINT',
  lambdaEndpoint: 'SMG_LAMBDA_ENDPOINT',
} as const;

export type AwsEnv = Partial<Record<(typeof AWS_ENV)[keyof typeof AWS_ENV], string>>;

/**
 * The alias whose Function URL is the key-only endpoint: same function, same tables, but no
 * OAuth discovery advertised (for clients that send a configured Authorization header).
 */
export const KEY_ONLY_ALIAS = 'keyonly';
