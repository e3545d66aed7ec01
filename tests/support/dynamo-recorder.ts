import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One DynamoDB call as it went over the wire: the action and the table (and index) it named. */
export interface DynamoCall {
  readonly action: string;
  readonly table: string;
  readonly index?: string;
}

export interface DynamoRecorder {
  /** Give this to the code under test as its DynamoDB endpoint. */
  readonly endpoint: string;
  readonly calls: DynamoCall[];
  close(): Promise<void>;
}

/**
 * A pass-through in front of a real DynamoDB endpoint (dynalite) that notes each call's action
 * (`X-Amz-Target: DynamoDB_20120810.PutItem`) and table, so a test can hold what code actually
 * did against what IAM grants it.
 */
export async function startDynamoRecorder(target: string): Promise<DynamoRecorder> {
  const calls: DynamoCall[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const parsed = JSON.parse(body.toString('utf8') || '{}') as {
        TableName?: string;
        IndexName?: string;
        RequestItems?: Record<string, unknown>;
      };
      for (const table of parsed.TableName
        ? [parsed.TableName]
        : Object.keys(parsed.RequestItems ?? {}))
        calls.push({ action, table, ...(parsed.IndexName ? { index: parsed.IndexName } : {}) });
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
