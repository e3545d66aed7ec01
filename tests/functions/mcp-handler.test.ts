import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bundleMcpHandler } from '../../infra/bundle-mcp-handler.js';
import { AWS_ENV } from '../../src/compose/aws-env.js';
import { storesOn } from '../../src/compose/stores-on.js';
import { addUser } from '../../src/core/users/user-admin.js';
import { approveWithKey } from '../support/approve.js';
import { lambdaEnv } from '../support/lambda-env.js';
import { systemClock } from '../../src/core/ports.js';
import { startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { startTestStore, type TestStore } from '../support/embedded-store.js';
import { startSecretsStandIn, type SecretsStandIn } from '../support/secrets-standin.js';
import { startLambdaStandIn, type LambdaStandIn } from '../support/lambda-standin.js';
import { startDynamoRecorder, type DynamoRecorder } from '../support/dynamo-recorder.js';
import { TABLE_ACCESS } from '../../infra/table-access.js';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:smg-fleet-Xy12Ab';
const STATE_KEY_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:smg-request-state-key-Zz34Cd';
const DOMAIN = 'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws';

type Result = {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body: string;
};
type Handler = (event: unknown, context: unknown) => Promise<Result>;
type Worker = (event: { jobId: string } | { sweep: true }, context: unknown) => Promise<void>;

/** A Lambda Function URL (payload 2.0) event, as AWS sends it. */
function functionUrlEvent(
  body: unknown,
  headers: Record<string, string>,
  method = 'POST',
  path = '/mcp',
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const [rawPath = path, rawQueryString = ''] = path.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers: {
      host: DOMAIN,
      'content-type':
        typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json',
      accept: 'application/json, text/event-stream',
      'content-length': String(Buffer.byteLength(text)),
      'x-forwarded-proto': 'https',
      ...headers,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: DOMAIN.split('.')[0],
      domainName: DOMAIN,
      domainPrefix: DOMAIN.split('.')[0],
      http: {
        method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'mcp-client',
      },
      requestId: `req-${Math.random()}`,
      routeKey: '$default',
      stage: '$default',
      time: '21/Nov/2026:12:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: text,
    isBase64Encoded: false,
  };
}

// As Lambda passes it: invokedFunctionArn is always set (unqualified when called through $LATEST).
const context = {
  functionName: 'smg-mcp',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:smg-mcp',
  awsRequestId: 'ctx',
  // A fresh invocation of the 90 s endpoint.
  getRemainingTimeInMillis: () => 89_000,
};
const rpc = (id: number, method: string, params: unknown = {}) => ({
  jsonrpc: '2.0',
  id,
  method,
  params,
});

describe('bundled Lambda handler', () => {
  let outDir: string;
  let fleet: TestFleet;
  let store: TestStore;
  let secrets: SecretsStandIn;
  let key: string;
  let lambda: LambdaStandIn;
  let bundle: { file: string; bytes: number };
  let current: { handler: Handler; worker: Worker } | undefined;
  /** Every DynamoDB call each function made, to hold against the grants of infra/table-access.ts. */
  let recorders: { mcp: DynamoRecorder; worker: DynamoRecorder };
  /** A fresh container: the bundle loaded anew (it reads its environment as it loads). */
  const container = () => {
    const require = createRequire(import.meta.url);
    delete require.cache[bundle.file];
    return require(bundle.file) as { handler: Handler; worker: Worker };
  };
  const load = (): Handler => {
    current = container();
    return current.handler;
  };
  /** The worker function: a container of its own, with its own environment as on AWS — no users or OAuth table. */
  let workerContainer: { worker: Worker } | undefined;
  /** How long each worker invocation ran. */
  const workerMs: number[] = [];
  const loadWorker = () => {
    const saved = { ...process.env };
    delete process.env[AWS_ENV.usersTable];
    delete process.env[AWS_ENV.oauthTable];
    delete process.env[AWS_ENV.approvalsTable];
    delete process.env[AWS_ENV.requestStateSecretArn];
    process.env[AWS_ENV.dynamodbEndpoint] = recorders.worker.endpoint;
    try {
      return container();
    } finally {
      Object.assign(process.env, saved);
    }
  };

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'smg-bundle-'));
    bundle = await bundleMcpHandler(outDir);
    [fleet, store, secrets, lambda] = await Promise.all([
      startSshFleet(2, { prefix: 'lam' }),
      startTestStore('lambda'),
      startSecretsStandIn(),
      startLambdaStandIn(async (_name, payload) => {
        const began = Date.now();
        await (workerContainer ??= loadWorker()).worker(payload as { jobId: string }, {
          ...context,
          awsRequestId: `worker-${Date.now()}`,
        });
        workerMs.push(Date.now() - began);
      }),
    ]);
    secrets.put(
      SECRET_ARN,
      stringify({
        credentials: { ops: { privateKey: fleet.clientKey } },
        hosts: fleet.hosts.map((h) => ({
          name: h.name,
          address: h.address,
          port: h.port,
          user: fleet.user,
          credential: 'ops',
          hostKey: h.hostKeyFingerprint,
          tags: ['lambda'],
        })),
        limits: { syncBudgetSeconds: 1 },
      }),
    );
    // As the stack generates it: 64 letters and digits.
    secrets.put(STATE_KEY_ARN, randomBytes(48).toString('base64url').replace(/[-_]/g, 'x'));
    recorders = {
      mcp: await startDynamoRecorder(store.dynamo.endpoint),
      worker: await startDynamoRecorder(store.dynamo.endpoint),
    };
    const stores = storesOn(store.dynamo.client, store.tables, systemClock);
    key = (
      await addUser(
        stores.users,
        { name: 'lambda-op', role: 'operator', access: { tags: ['lambda'] } },
        systemClock,
      )
    ).key;
    Object.assign(process.env, {
      ...lambdaEnv({
        tables: store.tables,
        dynamodbEndpoint: recorders.mcp.endpoint,
        secretsEndpoint: secrets.endpoint,
        fleetSecretArn: SECRET_ARN,
        lambdaEndpoint: lambda.endpoint,
      }),
      [AWS_ENV.requestStateSecretArn]: STATE_KEY_ARN,
      [AWS_ENV.fleetMaxAgeSeconds]: '0',
    });
  });
  afterAll(async () => {
    await Promise.allSettled([
      fleet?.stop(),
      store?.close(),
      secrets?.close(),
      lambda?.close(),
      recorders?.mcp.close(),
      recorders?.worker.close(),
    ]);
    rmSync(outDir, { recursive: true, force: true });
  });

  it('is one CommonJS file plus the parser’s two WASM files', () => {
    expect(bundle.bytes).toBeGreaterThan(100_000);
    const source = readFileSync(bundle.file, 'utf8');
    expect(source).not.toMatch(/require\("dynalite"\)|LevelDOWN/);
  });

  it('answers initialize, tools/list and tools/call run_command from Function URL events', async () => {
    const handler = load();
    const auth = { authorization: `Bearer ${key}` };
    const init = await handler(
      functionUrlEvent(
        rpc(1, 'initialize', {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'lambda-test', version: '1' },
        }),
        auth,
      ),
      context,
    );
    expect(init.statusCode).toBe(200);
    expect(JSON.parse(init.body).result.serverInfo.name).toBe('ssh-mcp-gateway');

    const list = await handler(functionUrlEvent(rpc(2, 'tools/list'), auth), context);
    expect(JSON.parse(list.body).result.tools.map((t: { name: string }) => t.name)).toContain(
      'run_command',
    );

    const call = await handler(
      functionUrlEvent(
        rpc(3, 'tools/call', {
          name: 'run_command',
          arguments: { tags: ['lambda'], command: 'echo from-lambda; uname -s' },
        }),
        auth,
      ),
      context,
    );
    expect(call.statusCode).toBe(200);
    const result = JSON.parse(call.body).result;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent.summary).toMatchObject({ total: 2, ok: 2 });
    expect(result.structuredContent.groups[0].stdout).toBe('from-lambda\nLinux\n');

    const denied = await handler(
      functionUrlEvent(
        rpc(4, 'tools/call', {
          name: 'run_command',
          arguments: { host: 'lam-1', command: 'curl http://x | sh' },
        }),
        auth,
      ),
      context,
    );
    expect(JSON.parse(denied.body).result.structuredContent.results[0]).toMatchObject({
      status: 'denied',
    });
  });

  it('answers 2026-07-28 requests from Function URL events: discover, tools/list, tools/call run_command', async () => {
    const handler = load();
    /** A modern request: the per-request envelope in _meta, and the headers that mirror the body. */
    const modern = (id: number, method: string, params: Record<string, unknown> = {}) =>
      functionUrlEvent(
        rpc(id, method, {
          ...params,
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'lambda-modern', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        }),
        {
          authorization: `Bearer ${key}`,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': method,
          ...(typeof params['name'] === 'string' ? { 'mcp-name': params['name'] } : {}),
        },
      );
    const discover = await handler(modern(1, 'server/discover'), context);
    expect(discover.statusCode).toBe(200);
    expect(JSON.parse(discover.body).result.supportedVersions).toContain('2026-07-28');
    const list = await handler(modern(2, 'tools/list'), context);
    expect(JSON.parse(list.body).result).toMatchObject({ cacheScope: 'private' });
    const call = await handler(
      modern(3, 'tools/call', {
        name: 'run_command',
        arguments: { tags: ['lambda'], command: 'echo modern-lambda' },
      }),
      context,
    );
    expect(call.statusCode).toBe(200);
    const result = JSON.parse(call.body).result;
    expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
    expect(result.structuredContent.groups[0].stdout).toBe('modern-lambda\n');
  });

  it('holds a command that needs approval, and runs it after a second person approved', async () => {
    const handler = load();
    const stores = storesOn(store.dynamo.client, store.tables, systemClock);
    const approverKey = (
      await addUser(stores.users, { name: 'lambda-approver', role: 'approver' }, systemClock)
    ).key;
    const auth = { authorization: `Bearer ${key}` };
    const call = (id: number, args: Record<string, unknown>) =>
      handler(
        functionUrlEvent(rpc(id, 'tools/call', { name: 'run_command', arguments: args }), auth),
        context,
      );
    // Under the default operator profile, rm needs approval.
    const command = 'rm -f /tmp/smg-lambda-approval';
    const asked = JSON.parse((await call(1, { host: 'lam-1', command })).body).result;
    expect(asked.structuredContent.approval).toMatchObject({ status: 'pending' });
    const id = asked.structuredContent.approval.id as string;
    // The approver decides with their own key (the CLI's core, on the same tables).
    await approveWithKey(stores, approverKey, id);
    const ran = JSON.parse((await call(2, { host: 'lam-1', command, approvalId: id })).body).result;
    expect(ran.structuredContent.results[0]).toMatchObject({ host: 'lam-1', status: 'ok' });
    expect(ran.structuredContent.approval).toMatchObject({
      status: 'consumed',
      approver: 'lambda-approver',
    });
  });

  it('sends a 2026-07-28 client that opens URLs to the page, and runs its retry in another container', async () => {
    const stores = storesOn(store.dynamo.client, store.tables, systemClock);
    const approverKey = (
      await addUser(stores.users, { name: 'lambda-approver-2', role: 'approver' }, systemClock)
    ).key;
    const command = 'rm -f /tmp/smg-lambda-mrtr';
    const call = (
      handler: Handler,
      id: number,
      retry: { requestState?: string; inputResponses?: unknown } = {},
    ) =>
      handler(
        functionUrlEvent(
          rpc(id, 'tools/call', {
            name: 'run_command',
            arguments: { host: 'lam-1', command },
            ...retry,
            _meta: {
              'io.modelcontextprotocol/protocolVersion': '2026-07-28',
              'io.modelcontextprotocol/clientInfo': { name: 'lambda-mrtr', version: '1' },
              'io.modelcontextprotocol/clientCapabilities': { elicitation: { url: {} } },
            },
          }),
          {
            authorization: `Bearer ${key}`,
            'mcp-protocol-version': '2026-07-28',
            'mcp-method': 'tools/call',
            'mcp-name': 'run_command',
          },
        ),
        context,
      );
    const first = JSON.parse((await call(load(), 1)).body).result;
    expect(first.resultType).toBe('input_required');
    const elicitation = first.inputRequests.approval;
    expect(elicitation.params).toMatchObject({ mode: 'url' });
    const url = new URL(elicitation.params.url as string);
    // Built from the Function URL's own name, never from the request line.
    expect(url.origin).toBe(`https://${DOMAIN}`);
    const id = url.pathname.split('/').pop()!;
    await approveWithKey(stores, approverKey, id);
    // A fresh container reads the same key from the secret and takes the state it did not mint.
    const ran = JSON.parse(
      (
        await call(load(), 2, {
          requestState: first.requestState,
          inputResponses: { approval: { action: 'accept' } },
        })
      ).body,
    ).result;
    expect(ran.structuredContent.results[0]).toMatchObject({ host: 'lam-1', status: 'ok' });
    expect(ran.structuredContent.approval).toMatchObject({ id, status: 'consumed' });
  });

  it('serves the approval page from the handler: the sign-in form under a strict CSP', async () => {
    const handler = load();
    const page = await handler(functionUrlEvent('', {}, 'GET', '/approvals'), context);
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.body).toContain('Sign in with your own API key');
    expect(page.cookies?.join(';')).toMatch(/smg_signin=.*HttpOnly.*Secure.*SameSite=Strict/);
  });

  it('audits a bad key and a schema refusal through the handler, with the caller’s address', async () => {
    const handler = load();
    const badKey = `smg_${'Z'.repeat(43)}`;
    const refused = await handler(
      functionUrlEvent(rpc(1, 'tools/list'), { authorization: `Bearer ${badKey}` }),
      context,
    );
    expect(refused.statusCode).toBe(401);
    const invalid = await handler(
      functionUrlEvent(
        rpc(2, 'tools/call', { name: 'run_command', arguments: { host: 'lam-1', command: 7 } }),
        { authorization: `Bearer ${key}` },
      ),
      context,
    );
    expect(JSON.parse(invalid.body).result.isError).toBe(true);
    const audit = storesOn(store.dynamo.client, store.tables, systemClock).auditStore;
    const events = (await audit.range({ limit: 2, newestFirst: true })).map((r) => r.event);
    expect(events).toMatchObject([
      { type: 'tool.call', user: 'lambda-op', tool: 'run_command', outcome: 'INVALID_INPUT' },
      {
        type: 'request.refused',
        outcome: '401',
        detail: expect.stringMatching(/^POST \/mcp: API key [0-9a-f]{12} is not known/),
        address: '203.0.113.7',
      },
    ]);
  });

  it('signs a URL-only client in through the OAuth endpoints on the Function URL', async () => {
    const handler = load();
    const origin = `https://${DOMAIN}`;
    const challenge401 = await handler(functionUrlEvent(rpc(1, 'initialize', {}), {}), context);
    expect(challenge401.statusCode).toBe(401);
    expect(challenge401.headers?.['www-authenticate']).toContain(
      `resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    const prm = await handler(
      functionUrlEvent('', {}, 'GET', '/.well-known/oauth-protected-resource/mcp'),
      context,
    );
    expect(JSON.parse(prm.body)).toMatchObject({
      resource: `${origin}/mcp`,
      authorization_servers: [origin],
    });

    const redirectUri = 'https://claude.ai/api/mcp/auth_callback';
    const registered = await handler(
      functionUrlEvent(
        { client_name: 'Claude', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
        {},
        'POST',
        '/register',
      ),
      context,
    );
    expect(registered.statusCode).toBe(201);
    const clientId = JSON.parse(registered.body).client_id as string;
    const verifier = 'v'.repeat(64);
    const { createHash } = await import('node:crypto');
    const form = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      resource: `${origin}/mcp`,
    });
    const page = await handler(
      functionUrlEvent('', {}, 'GET', `/authorize?${form.toString()}`),
      context,
    );
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Claude');
    // The form posts back with its CSRF token and the cookie the page set, as a browser does.
    const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.body ?? '')?.[1] ?? '';
    const setCookie = page.cookies?.[0] ?? page.headers?.['set-cookie'] ?? '';
    expect(String(setCookie)).toMatch(/Secure/);
    const cookie = String(setCookie).split(';')[0] ?? '';
    const consent = await handler(
      functionUrlEvent(
        `${form.toString()}&${new URLSearchParams({ api_key: key, decision: 'approve', csrf_token: csrf }).toString()}`,
        { origin, cookie },
        'POST',
        '/authorize',
      ),
      context,
    );
    expect(consent.statusCode).toBe(302);
    const location = new URL(consent.headers!['location']!);
    expect(location.searchParams.get('iss')).toBe(origin);
    const token = await handler(
      functionUrlEvent(
        new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: clientId,
          code: location.searchParams.get('code')!,
          code_verifier: verifier,
          redirect_uri: redirectUri,
        }).toString(),
        {},
        'POST',
        '/token',
      ),
      context,
    );
    expect(token.statusCode).toBe(200);
    const access = JSON.parse(token.body).access_token as string;
    const init = await handler(
      functionUrlEvent(
        rpc(2, 'initialize', {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'c', version: '1' },
        }),
        { authorization: `Bearer ${access}` },
      ),
      context,
    );
    expect(init.statusCode).toBe(200);
  });

  it('advertises no OAuth discovery when invoked through the key-only alias, and takes API keys there', async () => {
    const handler = load();
    const viaAlias = {
      ...context,
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:smg-mcp:keyonly',
    };
    const challenge = await handler(functionUrlEvent(rpc(1, 'initialize', {}), {}), viaAlias);
    expect(challenge.statusCode).toBe(401);
    expect(challenge.headers?.['www-authenticate']).not.toContain('resource_metadata');
    expect(
      (
        await handler(
          functionUrlEvent('', {}, 'GET', '/.well-known/oauth-protected-resource/mcp'),
          viaAlias,
        )
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await handler(
          functionUrlEvent('', {}, 'GET', '/.well-known/oauth-authorization-server'),
          viaAlias,
        )
      ).statusCode,
    ).toBe(404);
    const init = await handler(
      functionUrlEvent(
        rpc(2, 'initialize', {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'c', version: '1' },
        }),
        { authorization: `Bearer ${key}` },
      ),
      viaAlias,
    );
    expect(init.statusCode).toBe(200);
  });

  it('starts the worker with only the worker’s environment (no users or OAuth table)', async () => {
    const { composeAws } = await import('../../src/compose/aws.js');
    const workerEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) =>
          name !== AWS_ENV.usersTable &&
          name !== AWS_ENV.oauthTable &&
          name !== AWS_ENV.approvalsTable &&
          name !== AWS_ENV.requestStateSecretArn,
      ),
    );
    const { deps } = await composeAws(workerEnv, { wasmDir: dirname(bundle.file) });
    expect((await deps.fleet.current()).hosts.length).toBe(2);
    await deps.ssh.close();
  });

  it('runs a command in the request — one invocation, no worker — even one whose timeout outlasts the invocation', async () => {
    const handler = load();
    const runIn = async (ctx: typeof context, command: string) =>
      JSON.parse(
        (
          await handler(
            functionUrlEvent(
              rpc(1, 'tools/call', {
                name: 'run_command',
                arguments: { host: 'lam-1', command },
              }),
              { authorization: `Bearer ${key}` },
            ),
            ctx,
          )
        ).body,
      ).result;
    const before = lambda.invocations.length;
    const short = await runIn(context, 'echo in-request');
    expect(short.structuredContent).toMatchObject({
      complete: true,
      groups: [{ stdout: 'in-request\n' }],
    });
    expect(short.structuredContent.jobId).toBeUndefined();
    // 30 s left in this invocation and a 60 s timeout: the host's own timeout bounds the command,
    // so it runs here as well.
    const late = await runIn(
      { ...context, getRemainingTimeInMillis: () => 30_000 },
      'echo late-in-the-invocation',
    );
    expect(late.structuredContent).toMatchObject({
      complete: true,
      groups: [{ stdout: 'late-in-the-invocation\n' }],
    });
    expect(lambda.invocations.length).toBe(before);
  });

  it('stores only its records for a short run_command, and authenticates with the key and its user in one read', async () => {
    const handler = load();
    // A warm container: it has read the audit chain's head once already.
    await handler(
      functionUrlEvent(rpc(1, 'tools/call', { name: 'whoami', arguments: {} }), {
        authorization: `Bearer ${key}`,
      }),
      context,
    );
    const from = recorders.mcp.calls.length;
    await handler(
      functionUrlEvent(
        rpc(2, 'tools/call', {
          name: 'run_command',
          arguments: { host: 'lam-2', command: 'echo counted' },
        }),
        { authorization: `Bearer ${key}` },
      ),
      context,
    );
    const calls = recorders.mcp.calls
      .slice(from)
      .map((c) => `${c.action} ${c.table.replace(/^.*?-/, '')}`);
    // The key and its user in one read (the user record stays the one truth for a revocation);
    // the audit intent; the history items beside the audit outcome.
    expect(calls.filter((c) => c.endsWith('users'))).toEqual(['BatchGetItem users']);
    expect(calls.filter((c) => !c.endsWith('users')).sort()).toEqual(
      ['PutItem audit', 'PutItem audit', 'BatchWriteItem history'].sort(),
    );
  });

  it('reuses the warm container’s SSH connection on the next invocation', async () => {
    const handler = load();
    const auth = { authorization: `Bearer ${key}` };
    const parents = new Set<string>();
    for (let id = 10; id < 13; id++) {
      const r = await handler(
        functionUrlEvent(
          rpc(id, 'tools/call', {
            name: 'run_command',
            // The sshd process serving the connection: the parent of the session's leader.
            arguments: { host: 'lam-2', command: 'ps -o ppid= -p $(ps -o sid= -p $$)' },
          }),
          auth,
        ),
        context,
      );
      parents.add(JSON.parse(r.body).result.structuredContent.results[0].stdout);
    }
    expect(parents.size).toBe(1);
  });

  it('runs long work in the worker: start_job, poll get_job, cancel another job', async () => {
    const handler = load();
    const auth = { authorization: `Bearer ${key}` };
    const body = (r: Result) => JSON.parse(r.body).result.structuredContent;
    const started = body(
      await handler(
        functionUrlEvent(
          rpc(20, 'tools/call', {
            name: 'start_job',
            arguments: { tags: ['lambda'], command: 'sleep 2; echo done' },
          }),
          auth,
        ),
        context,
      ),
    );
    expect(lambda.invocations.at(-1)).toEqual({
      functionName: 'smg-worker',
      payload: { jobId: started.id },
    });
    let job = started;
    for (let i = 0; i < 60 && job.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = body(
        await handler(
          functionUrlEvent(
            rpc(21 + i, 'tools/call', { name: 'get_job', arguments: { jobId: started.id } }),
            auth,
          ),
          context,
        ),
      );
    }
    expect(job.status).toBe('completed');
    expect(job.hosts.map((h: { stdout: { text: string } }) => h.stdout.text)).toEqual([
      'done\n',
      'done\n',
    ]);
    // The worker started the commands and let go of them: it did not wait out their 2 s.
    expect(workerMs.at(-1)).toBeLessThan(1_500);

    // run_command past its sync budget (1 s here): work after a Lambda answer does not run, so
    // the work is let go and the answer names its job; the command goes on on its host, and the
    // next get_job — another invocation — reads it back and records its end.
    const before = lambda.invocations.length;
    const quick = body(
      await handler(
        functionUrlEvent(
          rpc(90, 'tools/call', {
            name: 'run_command',
            arguments: { host: 'lam-1', command: 'sleep 2; echo later' },
          }),
          auth,
        ),
        context,
      ),
    );
    expect(quick).toMatchObject({ complete: false, jobId: expect.any(String) });
    expect(quick.results[0]).toMatchObject({ host: 'lam-1', status: 'running' });
    expect(lambda.invocations.length).toBe(before);
    let after = quick;
    for (let i = 0; i < 60 && after.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      after = body(
        await handler(
          functionUrlEvent(
            rpc(100 + i, 'tools/call', { name: 'get_job', arguments: { jobId: quick.jobId } }),
            auth,
          ),
          context,
        ),
      );
    }
    expect(after.status).toBe('completed');
    expect(after.hosts[0]).toMatchObject({
      status: 'ok',
      exitCode: 0,
      stdout: { text: 'later\n' },
    });
    expect(lambda.invocations.length).toBe(before);

    const long = body(
      await handler(
        functionUrlEvent(
          rpc(91, 'tools/call', {
            name: 'start_job',
            arguments: { host: 'lam-2', command: 'echo go; sleep 60' },
          }),
          auth,
        ),
        context,
      ),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const cancelled = body(
      await handler(
        functionUrlEvent(
          rpc(92, 'tools/call', { name: 'cancel_job', arguments: { jobId: long.id } }),
          auth,
        ),
        context,
      ),
    );
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.hosts[0]).toMatchObject({ status: 'cancelled', stdout: { text: 'go\n' } });

    let later = body(
      await handler(
        functionUrlEvent(
          rpc(93, 'tools/call', { name: 'get_job', arguments: { jobId: quick.jobId } }),
          auth,
        ),
        context,
      ),
    );
    for (let i = 0; i < 30 && later.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      later = body(
        await handler(
          functionUrlEvent(
            rpc(94 + i, 'tools/call', { name: 'get_job', arguments: { jobId: quick.jobId } }),
            auth,
          ),
          context,
        ),
      );
    }
    expect(later.hosts[0].stdout.text).toBe('later\n');
  });

  it('answers 401 without a key', async () => {
    const r = await load()(functionUrlEvent(rpc(1, 'tools/list'), {}), context);
    expect(r.statusCode).toBe(401);
    expect(r.headers?.['www-authenticate']).toMatch(/^Bearer/);
  });

  it('answers 503 with a clear message when the fleet secret is invalid from the start', async () => {
    const previous = process.env[AWS_ENV.fleetSecretArn];
    process.env[AWS_ENV.fleetSecretArn] = `${SECRET_ARN}-broken`;
    secrets.put(`${SECRET_ARN}-broken`, 'hosts: [ { name: x, credential: ghost } ]');
    try {
      const r = await load()(
        functionUrlEvent(rpc(1, 'tools/list'), { authorization: `Bearer ${key}` }),
        context,
      );
      expect(r.statusCode).toBe(503);
      expect(JSON.parse(r.body).message).toMatch(
        /fleet configuration in Secrets Manager is invalid/,
      );
    } finally {
      process.env[AWS_ENV.fleetSecretArn] = previous;
    }
  });

  // Last: it judges every call the tests above made.
  it('finishes what nobody polls: the scheduled sweep records the end of a job that was let go', async () => {
    const handler = load();
    const body = (r: Result) => JSON.parse(r.body).result.structuredContent;
    const letGo = body(
      await handler(
        functionUrlEvent(
          rpc(300, 'tools/call', {
            name: 'run_command',
            arguments: { host: 'lam-2', command: 'sleep 1.5; echo swept' },
          }),
          { authorization: `Bearer ${key}` },
        ),
        context,
      ),
    );
    expect(letGo).toMatchObject({ complete: false, jobId: expect.any(String) });
    const { jobs } = storesOn(store.dynamo.client, store.tables, systemClock);
    await new Promise((r) => setTimeout(r, 2_500));
    // Nobody asked: the store still says running, though the command has ended on its host.
    expect((await jobs.get(letGo.jobId))!.job.status).toBe('running');
    await (workerContainer ??= loadWorker()).worker(
      { sweep: true },
      { ...context, awsRequestId: 'sweep' },
    );
    const swept = await jobs.get(letGo.jobId);
    expect(swept!.job.status).toBe('completed');
    expect(swept!.hosts[0]).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(
      Buffer.from(await jobs.readOutput(letGo.jobId, 'lam-2', 'stdout', 0, 100)).toString(),
    ).toBe('swept\n');
  });

  it('made only DynamoDB calls the stack grants each function (infra/table-access.ts)', () => {
    const tableKey = new Map(Object.entries(store.tables).map(([k, v]) => [v, k]));
    for (const use of ['mcp', 'worker'] as const) {
      const calls = recorders[use].calls;
      expect(calls.length, use).toBeGreaterThan(0);
      const refused = calls.filter((call) => {
        const grant = TABLE_ACCESS[use][tableKey.get(call.table) as keyof typeof store.tables];
        return (
          !grant?.actions.includes(call.action as never) ||
          (call.index !== undefined && !grant.indexes?.includes(call.index))
        );
      });
      expect(refused, use).toEqual([]);
    }
    // The calls were the real work: the worker claimed and let go of jobs, the endpoint read a
    // key and its user and recorded the ends of the jobs it took over.
    expect(recorders.worker.calls).toContainEqual({
      action: 'UpdateItem',
      table: store.tables.jobs,
    });
    expect(recorders.mcp.calls).toContainEqual({
      action: 'BatchGetItem',
      table: store.tables.users,
    });
    expect(recorders.mcp.calls).toContainEqual({ action: 'PutItem', table: store.tables.history });
  });
});
