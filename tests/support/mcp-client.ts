import {
  Client,
  StreamableHTTPClientTransport,
  type ClientOptions,
} from '@modelcontextprotocol/client';
import type { HttpCaller, McpHttpEndpoint } from '../../src/mcp/http-endpoint.js';

export type Era = 'modern' | 'legacy';

/**
 * The v2 SDK client in the given era: 2026-07-28 pinned, or the 2025 `initialize` handshake; with
 * `options` (declared capabilities, say) on top.
 */
export function sdkClient(era: Era, options: ClientOptions = {}): Client {
  return new Client(
    { name: 'smg-test', version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...options,
    },
  );
}

/**
 * A v2 SDK client speaking HTTP to the gateway's MCP endpoint in this process: its fetch is the
 * endpoint's, with the caller the HTTP layer would have authenticated. No socket, same bytes.
 */
export async function endpointClient(
  endpoint: McpHttpEndpoint,
  caller: HttpCaller,
  era: Era,
): Promise<Client> {
  const client = sdkClient(era);
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://gateway.test/mcp'), {
      fetch: (url, init) => endpoint.fetch(new Request(url, init), caller),
    }),
  );
  return client;
}

/** A 2025-era `initialize`, as a raw client sends it. */
export function initializeRequest(revision = '2025-11-25', clientName = 'raw') {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: revision,
      capabilities: {},
      clientInfo: { name: clientName, version: '1' },
    },
  };
}

/** One raw POST to an MCP endpoint as a client sends it: JSON, either kind of answer accepted. */
export function mcpPost(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
