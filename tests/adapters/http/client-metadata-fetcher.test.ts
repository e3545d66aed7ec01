import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpClientMetadataFetcher,
  addressRefusal,
} from '../../../src/adapters/http/client-metadata-fetcher.js';
import { startDocumentServer } from '../../support/document-server.js';

describe('HttpClientMetadataFetcher', () => {
  let docs: Awaited<ReturnType<typeof startDocumentServer>>;
  beforeAll(async () => {
    docs = await startDocumentServer(() => ({
      '/client.json': { client_id: 'x' },
      '/broken': 'not json {',
    }));
  });
  afterAll(async () => docs?.close());

  it('fetches only from public unicast addresses', () => {
    expect(addressRefusal('93.184.215.14', false)).toBeUndefined();
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '172.16.5.5',
      '169.254.169.254',
      '100.64.0.1',
      '::1',
      'fd00::1',
      'fe80::1',
      '0.0.0.0',
      '::ffff:127.0.0.1',
    ]) {
      expect(addressRefusal(address, false), address).toMatch(/does not fetch/);
    }
    expect(addressRefusal('127.0.0.1', true)).toBeUndefined();
    expect(addressRefusal('10.1.2.3', true)).toMatch(/private/);
  });

  it('refuses loopback and private targets before connecting, by literal and by name', async () => {
    const fetcher = new HttpClientMetadataFetcher();
    await expect(fetcher.fetchJson(new URL('https://127.0.0.1/client.json'))).rejects.toThrow(
      /loopback/,
    );
    await expect(fetcher.fetchJson(new URL('https://[::1]/client.json'))).rejects.toThrow(
      /loopback/,
    );
    await expect(fetcher.fetchJson(new URL('https://169.254.169.254/latest'))).rejects.toThrow(
      /linkLocal/,
    );
    // A name is checked on the address the socket would connect to.
    await expect(
      fetcher.fetchJson(new URL(`https://localhost:${new URL(docs.base).port}/client.json`)),
    ).rejects.toThrow(/loopback/);
    await expect(fetcher.fetchJson(new URL(`${docs.base}/client.json`))).rejects.toThrow(/https/);
    expect(docs.fetches.size).toBe(0);
  });

  it('with loopback allowed (tests), fetches JSON but follows no redirect and bounds the size', async () => {
    const fetcher = new HttpClientMetadataFetcher({ allowLoopback: true, maxBytes: 1024 });
    expect(await fetcher.fetchJson(new URL(`${docs.base}/client.json`))).toEqual({
      client_id: 'x',
    });
    await expect(fetcher.fetchJson(new URL(`${docs.base}/redirect`))).rejects.toThrow(/HTTP 302/);
    await expect(fetcher.fetchJson(new URL(`${docs.base}/huge`))).rejects.toThrow(
      /larger than 1024/,
    );
    await expect(fetcher.fetchJson(new URL(`${docs.base}/broken`))).rejects.toThrow(/not JSON/);
    await expect(fetcher.fetchJson(new URL(`${docs.base}/missing`))).rejects.toThrow(/HTTP 404/);
  });
});
