import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClientMetadataFetcher } from '../../../src/adapters/http/client-metadata-fetcher.js';
import { ClientRegistry } from '../../../src/core/oauth/client-registry.js';
import { registerClient } from '../../../src/core/oauth/client-metadata.js';
import type { Clock } from '../../../src/core/ports.js';
import { openStore, type OpenedStore } from '../../../src/compose/store.js';
import { startDocumentServer } from '../../support/document-server.js';

describe('ClientRegistry', () => {
  let store: OpenedStore;
  let docs: Awaited<ReturnType<typeof startDocumentServer>>;
  let now = Date.parse('2026-11-21T10:00:00Z');
  const clock: Clock = { now: () => new Date(now) };
  const doc = (url: string, extra: Record<string, unknown> = {}) => ({
    client_id: url,
    client_name: `client ${url.slice(-6)}`,
    redirect_uris: ['https://app.example/cb'],
    ...extra,
  });

  beforeAll(async () => {
    store = await openStore({ kind: 'memory' }, clock);
    docs = await startDocumentServer((base) => ({
      '/a.json': doc(`${base}/a.json`),
      '/b.json': doc(`${base}/b.json`),
      '/c.json': doc(`${base}/c.json`),
      '/short.json': { cacheControl: 'max-age=10', body: doc(`${base}/short.json`) },
      '/nostore.json': { cacheControl: 'no-store', body: doc(`${base}/nostore.json`) },
      '/impostor.json': doc(`${base}/a.json`),
      '/confidential.json': doc(`${base}/confidential.json`, {
        token_endpoint_auth_method: 'client_secret_basic',
      }),
      '/bad-redirect.json': doc(`${base}/bad-redirect.json`, {
        redirect_uris: ['http://evil.example/cb'],
      }),
    }));
  });
  afterAll(async () => {
    await docs?.close();
    await store?.close();
  });

  const registry = (options: { cacheMaxEntries?: number } = {}) =>
    new ClientRegistry(store.oauth, new HttpClientMetadataFetcher({ allowLoopback: true }), clock, {
      allowLoopbackClientIds: true,
      cacheTtlMs: 60_000,
      ...options,
    });

  it('finds registered clients in the store and metadata-document clients by URL', async () => {
    const { client } = registerClient(
      {
        redirect_uris: ['https://app.example/cb'],
        token_endpoint_auth_method: 'none',
        client_name: 'Registered',
      },
      clock,
    );
    await store.oauth.putClient(client);
    const r = registry();
    expect(await r.find(client.clientId)).toMatchObject({
      clientName: 'Registered',
      source: 'registration',
    });
    expect(await r.find('smc_unknown')).toBeUndefined();
    expect(await r.find(`${docs.base}/a.json`)).toMatchObject({
      clientId: `${docs.base}/a.json`,
      source: 'metadata-document',
      redirectUris: ['https://app.example/cb'],
    });
  });

  it('caches documents for the TTL and never holds more than the bound', async () => {
    const r = registry({ cacheMaxEntries: 2 });
    const before = docs.fetches.get('/b.json') ?? 0;
    await r.find(`${docs.base}/b.json`);
    await r.find(`${docs.base}/b.json`);
    expect(docs.fetches.get('/b.json')).toBe(before + 1);
    await r.find(`${docs.base}/a.json`);
    await r.find(`${docs.base}/c.json`);
    expect(r.cachedDocuments).toBe(2);
    now += 61_000;
    await r.find(`${docs.base}/c.json`);
    expect(docs.fetches.get('/c.json')).toBe(2);
  });

  it('keeps a document no longer than its Cache-Control allows, and a no-store one not at all', async () => {
    const r = registry();
    const fetches = (path: string) => docs.fetches.get(path) ?? 0;
    await r.find(`${docs.base}/short.json`);
    await r.find(`${docs.base}/short.json`);
    expect(fetches('/short.json')).toBe(1);
    now += 11_000;
    await r.find(`${docs.base}/short.json`);
    expect(fetches('/short.json')).toBe(2);
    await r.find(`${docs.base}/nostore.json`);
    await r.find(`${docs.base}/nostore.json`);
    expect(fetches('/nostore.json')).toBe(2);
  });

  it('refuses documents that name another client, a confidential method, or an unsafe redirect URI', async () => {
    const r = registry();
    await expect(r.find(`${docs.base}/impostor.json`)).rejects.toThrow(/names another client_id/);
    await expect(r.find(`${docs.base}/confidential.json`)).rejects.toThrow(/public/);
    await expect(r.find(`${docs.base}/bad-redirect.json`)).rejects.toThrow(/https/);
    await expect(r.find(`${docs.base}/missing.json`)).rejects.toThrow(/HTTP 404/);
  });

  it('treats http client IDs as unknown unless loopback is allowed for tests', async () => {
    const strict = new ClientRegistry(store.oauth, new HttpClientMetadataFetcher(), clock);
    const before = docs.fetches.get('/a.json');
    expect(await strict.find(`${docs.base}/a.json`)).toBeUndefined();
    expect(docs.fetches.get('/a.json')).toBe(before);
  });
});
