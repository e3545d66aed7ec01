import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpClientMetadataFetcher,
  maxAge,
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

  // Every notation of a special-purpose address (issue 14): IPv4 embedded in IPv6 in each of the
  // ways the standards allow, and IPv4 written in decimal, octal or hex (which URL parsing
  // normalises before the check).
  it.each([
    ['::7f00:1', 'IPv4-compatible loopback'],
    ['::a01:203', 'IPv4-compatible private'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:a9fe:a9fe', 'IPv4-mapped link-local'],
    ['64:ff9b::7f00:1', 'NAT64 loopback'],
    ['64:ff9b:1::a01:203', 'local-use NAT64'],
    ['2002:7f00:1::', '6to4 of loopback'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo'],
    ['::', 'unspecified'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
  ])('refuses %s (%s)', (address) => {
    expect(addressRefusal(address, false), address).toMatch(/does not fetch/);
  });

  it.each([
    'https://2130706433/x',
    'https://0x7f.1/x',
    'https://0177.0.0.1/x',
    'https://[::7f00:1]/x',
  ])('refuses %s before connecting', async (url) => {
    await expect(new HttpClientMetadataFetcher().fetchJson(new URL(url))).rejects.toThrow(
      /does not fetch/,
    );
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
      body: { client_id: 'x' },
    });
    await expect(fetcher.fetchJson(new URL(`${docs.base}/redirect`))).rejects.toThrow(/HTTP 302/);
    await expect(fetcher.fetchJson(new URL(`${docs.base}/huge`))).rejects.toThrow(
      /larger than 1024/,
    );
    await expect(fetcher.fetchJson(new URL(`${docs.base}/broken`))).rejects.toThrow(/not JSON/);
    await expect(fetcher.fetchJson(new URL(`${docs.base}/missing`))).rejects.toThrow(/HTTP 404/);
  });
});

describe('maxAge', () => {
  it.each([
    [undefined, undefined],
    ['public', undefined],
    ['max-age=120', 120],
    ['public, Max-Age=30', 30],
    ['no-store', 0],
    ['max-age=600, no-cache', 0],
    ['max-age=abc', undefined],
  ])('reads %j as %j seconds', (header, seconds) => {
    expect(maxAge(header)).toBe(seconds);
  });
});
