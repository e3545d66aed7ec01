/** tools/list requests per second (autocannon) against the gateway vs a bare SDK stateless server. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../tests/support/ssh-fleet.js';
import { round } from './lib/stats.js';

const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

async function load(
  url: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<{ rps: number; p50: number; errors: number; non2xx: number }> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: BODY,
    connections: 8,
    duration: seconds,
  });
  return {
    rps: round(result.requests.average, 0),
    p50: result.latency.p50,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

export interface HttpResult {
  gateway: Awaited<ReturnType<typeof load>>;
  bare: Awaited<ReturnType<typeof load>>;
  ratio: number;
}

export async function measureHttp(
  gatewayUrl: string,
  key: string,
  seconds = 5,
): Promise<HttpResult> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', resolve('bench/lib/bare-mcp-server.ts'), String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((ready) => child.stdout.once('data', () => ready()));
  try {
    await load(gatewayUrl, { authorization: `Bearer ${key}` }, 1);
    await load(`http://127.0.0.1:${port}/mcp`, {}, 1);
    const gateway = await load(gatewayUrl, { authorization: `Bearer ${key}` }, seconds);
    const bare = await load(`http://127.0.0.1:${port}/mcp`, {}, seconds);
    return { gateway, bare, ratio: round(gateway.rps / bare.rps) };
  } finally {
    child.kill('SIGTERM');
  }
}
