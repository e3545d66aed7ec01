import { createServer } from 'node:http';
import { freePort } from './ssh-fleet.js';

/**
 * Serves JSON documents on 127.0.0.1 by path and counts how often each was fetched. A document
 * given as `{ cacheControl, body }` is served with that Cache-Control header.
 */
export async function startDocumentServer(
  documents: (base: string) => Record<string, unknown>,
): Promise<{ base: string; fetches: Map<string, number>; close(): Promise<void> }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const docs = documents(base);
  const fetches = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    fetches.set(path, (fetches.get(path) ?? 0) + 1);
    if (path === '/redirect')
      return void res.writeHead(302, { location: `${base}/client.json` }).end();
    if (path === '/huge')
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`"${'x'.repeat(200_000)}"`);
    const entry = docs[path];
    if (entry === undefined) return void res.writeHead(404).end();
    const { cacheControl, body } = withHeaders(entry);
    res
      .writeHead(200, {
        'content-type': 'application/json',
        ...(cacheControl ? { 'cache-control': cacheControl } : {}),
      })
      .end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { base, fetches, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function withHeaders(entry: unknown): { cacheControl?: string; body: unknown } {
  if (entry !== null && typeof entry === 'object' && 'cacheControl' in entry && 'body' in entry)
    return entry as { cacheControl: string; body: unknown };
  return { body: entry };
}
