import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Lambda's Invoke API with InvocationType Event: it answers 202 at once and then
 * runs the given function, as Lambda would in another container. Only that call is imitated.
 */
export interface LambdaStandIn {
  readonly endpoint: string;
  readonly invocations: { functionName: string; payload: unknown }[];
  close(): Promise<void>;
}

export async function startLambdaStandIn(
  run: (functionName: string, payload: unknown) => Promise<void>,
): Promise<LambdaStandIn> {
  const invocations: { functionName: string; payload: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match || req.headers['x-amz-invocation-type'] !== 'Event') {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify({ Type: 'User', message: 'only asynchronous Invoke is imitated' }),
        );
      }
      const functionName = decodeURIComponent(match[1]!);
      const payload: unknown = JSON.parse(body);
      invocations.push({ functionName, payload });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end();
      setImmediate(() => void run(functionName, payload).catch(() => undefined));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
