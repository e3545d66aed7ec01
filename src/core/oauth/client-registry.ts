import type { ClientMetadataFetcher, Clock, FetchedDocument, OAuthStore } from '../ports.js';
import { publicMessage } from '../errors.js';
import { clientFromMetadataDocument } from './client-metadata.js';
import { OAuthError } from './oauth-error.js';
import type { OAuthClient } from './oauth-records.js';
import { isLoopbackHost } from './redirect-uri.js';

export interface ClientRegistryOptions {
  /** Documents kept at most this long, and shorter when their Cache-Control says so. */
  readonly cacheTtlMs?: number;
  /** The cache never holds more than this many documents (oldest dropped first). */
  readonly cacheMaxEntries?: number;
  /** Tests only: accept http://127.0.0.1/... client IDs (the fetcher must allow loopback too). */
  readonly allowLoopbackClientIds?: boolean;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_MAX_ENTRIES = 256;

/**
 * Finds the client behind a `client_id`: a registered one in the store, or, when the id is an
 * https URL, the client its metadata document describes (fetched, validated, cached with a bound).
 */
export class ClientRegistry {
  private readonly cache = new Map<string, { client: OAuthClient; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly store: OAuthStore,
    private readonly fetcher: ClientMetadataFetcher,
    private readonly clock: Clock,
    private readonly options: ClientRegistryOptions = {},
  ) {
    this.ttlMs = options.cacheTtlMs ?? DEFAULT_TTL_MS;
    this.maxEntries = options.cacheMaxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** True when the id names a metadata document rather than a registration. */
  isMetadataUrl(clientId: string): boolean {
    if (!URL.canParse(clientId)) return false;
    const url = new URL(clientId);
    if (url.protocol === 'https:') return true;
    return (
      this.options.allowLoopbackClientIds === true &&
      url.protocol === 'http:' &&
      isLoopbackHost(url.hostname)
    );
  }

  /** The client, or undefined when no such client exists. Throws OAuthError for a bad document. */
  async find(clientId: string): Promise<OAuthClient | undefined> {
    if (!clientId || clientId.length > 2000) return undefined;
    if (!this.isMetadataUrl(clientId))
      return clientId.startsWith('smc_') ? this.store.getClient(clientId) : undefined;
    const now = this.clock.now().getTime();
    const cached = this.cache.get(clientId);
    if (cached && now < cached.expiresAt) return cached.client;
    const url = new URL(clientId);
    if (url.pathname === '/' || url.hash || url.username || url.password)
      throw new OAuthError(
        'invalid_client',
        `client_id ${clientId} must be an https URL with a path, without fragment or credentials`,
      );
    let document: FetchedDocument;
    try {
      document = await this.fetcher.fetchJson(url);
    } catch (error) {
      const reason = publicMessage(error, 'it could not be fetched');
      throw new OAuthError(
        'invalid_client',
        `the client metadata document at ${clientId} was not accepted: ${reason}`,
      );
    }
    const client = clientFromMetadataDocument(clientId, document.body, this.clock);
    this.cache.delete(clientId);
    // As long as its publisher allows, within our own bound (the spec: respect HTTP caching).
    const keepMs = Math.min(this.ttlMs, (document.maxAgeSeconds ?? Infinity) * 1000);
    if (keepMs > 0) this.cache.set(clientId, { client, expiresAt: now + keepMs });
    while (this.cache.size > this.maxEntries)
      this.cache.delete(this.cache.keys().next().value as string);
    return client;
  }

  /** How many documents are cached (for tests of the bound). */
  get cachedDocuments(): number {
    return this.cache.size;
  }
}
