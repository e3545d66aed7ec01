import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import ipaddr from 'ipaddr.js';
import { AppError } from '../../core/errors.js';
import type { ClientMetadataFetcher, FetchedDocument } from '../../core/ports.js';

export interface FetcherOptions {
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Tests only: allow loopback addresses (and plain http to them). Private ranges stay refused. */
  readonly allowLoopback?: boolean;
}

/** Why the gateway must not fetch from `address`, or undefined: only public unicast addresses are fetched. */
export function addressRefusal(address: string, allowLoopback: boolean): string | undefined {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return `"${address}" is not an IP address`;
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) reaches the IPv4 address on some stacks, and
  // ipaddr.js files it under unicast.
  const parts = ip.kind() === 'ipv6' ? (ip as ipaddr.IPv6).parts : [];
  const compatible =
    parts.length === 8 &&
    parts.slice(0, 6).every((p) => p === 0) &&
    ((parts[6] ?? 0) !== 0 || (parts[7] ?? 0) > 1);
  const range = compatible ? 'IPv4-compatible' : ip.range();
  if (range === 'unicast') return undefined;
  if (range === 'loopback' && allowLoopback) return undefined;
  return `it resolves to a ${range} address (${ip.toString()}), which the gateway does not fetch from`;
}

/**
 * Fetches client ID metadata documents over https, refusing private, loopback and other
 * non-public addresses. The check runs in the socket's own DNS lookup, so the address checked is
 * the address connected to (no rebinding between check and connect). No redirects; bounded size and time.
 */
export class HttpClientMetadataFetcher implements ClientMetadataFetcher {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly allowLoopback: boolean;

  constructor(options: FetcherOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.maxBytes = options.maxBytes ?? 64 * 1024;
    this.allowLoopback = options.allowLoopback ?? false;
  }

  fetchJson(url: URL): Promise<FetchedDocument> {
    if (url.protocol !== 'https:' && !(this.allowLoopback && url.protocol === 'http:'))
      return Promise.reject(new AppError('FORBIDDEN', 'the URL must use https'));
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (ipaddr.isValid(literal)) {
      const refusal = addressRefusal(literal, this.allowLoopback);
      if (refusal) return Promise.reject(new AppError('FORBIDDEN', refusal));
    }
    const allowLoopback = this.allowLoopback;
    const checkedLookup: RequestOptions['lookup'] = (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
        if (error) return callback(error, '', 4);
        for (const a of addresses) {
          const refusal = addressRefusal(a.address, allowLoopback);
          if (refusal) return callback(new AppError('FORBIDDEN', refusal), '', 4);
        }
        const first = addresses[0];
        if (!first) return callback(new Error(`${hostname} does not resolve`), '', 4);
        if ((options as { all?: boolean }).all)
          return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
        return callback(null, first.address, first.family);
      });
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<FetchedDocument>((resolve, reject) => {
      const req = send(
        url,
        {
          method: 'GET',
          headers: { accept: 'application/json' },
          lookup: checkedLookup,
          timeout: this.timeoutMs,
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(
              new AppError(
                'NOT_FOUND',
                `it answered HTTP ${res.statusCode ?? '?'} (redirects are not followed)`,
              ),
            );
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.maxBytes) {
              req.destroy(
                new AppError('INVALID_INPUT', `the document is larger than ${this.maxBytes} bytes`),
              );
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            try {
              const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              const maxAgeSeconds = maxAge(res.headers['cache-control']);
              resolve(maxAgeSeconds === undefined ? { body } : { body, maxAgeSeconds });
            } catch {
              reject(new AppError('INVALID_INPUT', 'the document is not JSON'));
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () =>
        req.destroy(new AppError('UNREACHABLE', `no answer within ${this.timeoutMs} ms`)),
      );
      req.on('error', (error) =>
        reject(
          error instanceof AppError
            ? error
            : new AppError(
                'UNREACHABLE',
                `it could not be fetched (${(error as NodeJS.ErrnoException).code ?? error.message})`,
              ),
        ),
      );
      req.end();
    });
  }
}

/** Seconds a response may be reused by its Cache-Control: 0 for no-store/no-cache, else max-age. */
export function maxAge(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  const directives = cacheControl
    .toLowerCase()
    .split(',')
    .map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const age = directives.map((d) => /^max-age=(\d+)$/.exec(d)?.[1]).find((v) => v !== undefined);
  return age === undefined ? undefined : Number(age);
}
