import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A stand-in for the one Secrets Manager call the gateway makes (GetSecretValue, awsJson1_1),
 * so the real SDK client can be exercised here. Nothing else of the service is imitated.
 */
export interface SecretsStandIn {
  readonly endpoint: string;
  /** Stores a new version of the secret. */
  put(id: string, value: string): void;
  readonly calls: number;
  close(): Promise<void>;
}

export async function startSecretsStandIn(): Promise<SecretsStandIn> {
  const secrets = new Map<string, { value: string; version: string }>();
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue')
        return reply(400, { __type: 'UnknownOperationException', message: 'only GetSecretValue' });
      calls++;
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      const secret = secrets.get(SecretId);
      if (!secret)
        return reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
      reply(200, {
        ARN: SecretId,
        Name: SecretId.split(':').pop(),
        VersionId: secret.version,
        SecretString: secret.value,
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    put: (id, value) => secrets.set(id, { value, version: randomUUID() }),
    get calls() {
      return calls;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
