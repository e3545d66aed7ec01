import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

/**
 * A data dir can be open in one process only (LevelDB holds a lock; a second opener hangs). The
 * process that owns it publishes its loopback endpoint here, so CLI commands run beside a live
 * gateway (`users add` while `serve` runs) talk to the gateway's store instead.
 */
const FILE = 'embedded-endpoint.json';

export function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
    maxAttempts: 2,
  });
}

export function publishEndpoint(dataDir: string, endpoint: string): () => void {
  const file = join(dataDir, FILE);
  writeFileSync(file, JSON.stringify({ endpoint, pid: process.pid }));
  return () => rmSync(file, { force: true });
}

/** The endpoint of a live process that owns `dataDir`, if there is one and it answers. */
export async function findPublishedEndpoint(
  dataDir: string,
): Promise<{ endpoint: string; pid: number } | undefined> {
  const file = join(dataDir, FILE);
  if (!existsSync(file)) return undefined;
  let published: { endpoint: string; pid: number };
  try {
    published = JSON.parse(readFileSync(file, 'utf8')) as { endpoint: string; pid: number };
    process.kill(published.pid, 0);
  } catch {
    return undefined;
  }
  const client = localClient(published.endpoint);
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), {
      abortSignal: AbortSignal.timeout(2_000),
    });
    return published;
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}
