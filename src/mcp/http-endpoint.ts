import {
  createMcpHandler,
  isLegacyRequest,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import type { CoreDeps } from '../core/deps.js';
import type { Fleet } from '../core/fleet/fleet.js';
import type { User } from '../core/users/user.js';
import { createMcpServer, type McpCaller } from './server.js';
import { approvalRounds } from './approval-rounds.js';
import type { KeySource } from '../core/ports.js';
import type { ToolFilter } from './tool-filter.js';
import { InternalError } from '../core/errors.js';

/** The authenticated caller of one HTTP request, as the HTTP layer established it. */
export interface HttpCaller {
  readonly user: User;
  readonly requestId: string;
  /** The fleet as loaded for this request (loaded first, so an unusable fleet is a 503). */
  readonly fleet: Fleet;
  /** Where people reach the gateway: the public URL or the allow-listed Host. */
  readonly origin?: string;
  /** When work in this process stops (a Lambda invocation's end), epoch ms; absent on a server. */
  readonly runUntil?: number;
  /** The tool list's narrowing the client connected with (`?toolsets=`, `?readonly=`). */
  readonly filter?: ToolFilter;
}

export interface McpHttpEndpoint {
  /** Answers one POST /mcp, in whichever protocol era the request speaks. */
  fetch(request: Request, caller: HttpCaller): Promise<Response>;
  close(): Promise<void>;
}

/**
 * POST /mcp for both protocol eras, statelessly, from one server factory.
 *
 * - 2026-07-28 requests go to the SDK's per-request handler, which answers `server/discover`,
 *   checks `Mcp-Method` / `Mcp-Name` against the body and the per-request envelope, and answers
 *   with one JSON body (the tools send no mid-call notifications).
 * - 2025-era requests (`initialize`, then calls without an envelope) get a fresh server and a
 *   stateless Streamable HTTP transport answering in plain JSON, as before — the SDK's own legacy
 *   leg would answer every request as an SSE stream, which a buffered Lambda Function URL returns
 *   whole anyway and which costs clients a stream parse for one message.
 *
 * The caller reaches the factory through `authInfo`, the SDK's pass-through channel, keyed here
 * so no cast is needed.
 */
export function mcpHttpEndpoint(
  deps: CoreDeps,
  options: {
    /** Seals the state of calls held for approval between rounds (see approval-rounds.ts). */
    readonly requestStateKey: KeySource;
  },
): McpHttpEndpoint {
  const callers = new WeakMap<AuthInfo, HttpCaller>();
  const rounds = approvalRounds(options.requestStateKey);
  const callerOf = (era: McpCaller['era'], authInfo: AuthInfo | undefined): McpCaller => {
    const caller = authInfo && callers.get(authInfo);
    if (!caller) throw new InternalError('MCP request without an authenticated caller');
    return { deps, era, rounds, ...caller };
  };
  // 'auto' answers with one JSON body unless a handler sends a notification first (ours send
  // none); 'json' would say so in a warning on every cold start.
  const modern = createMcpHandler(({ era, authInfo }) => createMcpServer(callerOf(era, authInfo)), {
    legacy: 'reject',
  });
  return {
    async fetch(request, caller) {
      const authInfo: AuthInfo = { token: '', clientId: caller.user.name, scopes: [] };
      callers.set(authInfo, caller);
      // The body is parsed once here and handed on: the era check and the SDK use the same value.
      const body = await jsonBody(request);
      const parsed = body ? { parsedBody: body.value } : {};
      const messages = body
        ? Array.isArray(body.value)
          ? (body.value as unknown[])
          : [body.value]
        : [];
      await recordMalformedCalls(messages, caller, deps);
      if (!(await isLegacyRequest(request, body?.value))) {
        const answer = await modern.fetch(request, { authInfo, ...parsed });
        const listen = messages.find((m) => isObject(m) && m['method'] === 'subscriptions/listen');
        return isObject(listen) ? acknowledgeAndClose(answer, listen['id']) : answer;
      }
      const server = createMcpServer(callerOf('legacy', authInfo));
      // A stateless transport serves exactly one request; both are built per request.
      const transport = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      });
      await server.connect(transport);
      try {
        return await transport.handleRequest(request, { authInfo, ...parsed });
      } finally {
        void server.close();
      }
    },
    close: () => modern.close(),
  };
}

/**
 * The SDK refuses a tools/call whose params are not even shaped like one (no string `name`,
 * `arguments` that is not an object, a `requestState` that is not a string) before any handler of
 * ours runs; such calls are recorded here, so that refusal leaves a trace too. Everything else is
 * recorded by the server.
 */
async function recordMalformedCalls(
  messages: readonly unknown[],
  caller: HttpCaller,
  deps: CoreDeps,
): Promise<void> {
  for (const message of messages) {
    const problem = malformedCall(message);
    if (problem)
      await deps.audit.append({
        type: 'tool.call',
        requestId: caller.requestId,
        user: caller.user.name,
        tool: problem.tool,
        outcome: 'INVALID_INPUT',
        detail: problem.detail,
      });
  }
}

/** A POST body's JSON; undefined when it is not JSON (the SDK then answers -32700 itself). */
async function jsonBody(request: Request): Promise<{ value: unknown } | undefined> {
  try {
    const value: unknown = await request.clone().json();
    return { value };
  } catch {
    return undefined;
  }
}

/**
 * A subscription on a stateless server: nothing is ever pushed (the tool list changes only with
 * a deploy), and a stream held open would hold a Lambda until its timeout. So the SDK's
 * acknowledgement is passed on and the subscription is then ended gracefully at once, with the
 * completion result the spec gives for a server ending one (subscriptions.mdx, Graceful Closure).
 */
async function acknowledgeAndClose(answer: Response, id: unknown): Promise<Response> {
  if (!answer.body || !answer.headers.get('content-type')?.startsWith('text/event-stream'))
    return answer;
  const reader: ReadableStreamDefaultReader<Uint8Array> = answer.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('\n\n')) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  void reader.cancel();
  const cut = text.indexOf('\n\n');
  const ack = cut < 0 ? text : text.slice(0, cut + 2);
  const end = {
    jsonrpc: '2.0',
    id,
    result: { resultType: 'complete', _meta: { 'io.modelcontextprotocol/subscriptionId': id } },
  };
  return new Response(`${ack}event: message\ndata: ${JSON.stringify(end)}\n\n`, {
    status: answer.status,
    headers: answer.headers,
  });
}

function malformedCall(message: unknown): { tool: string; detail: string } | undefined {
  if (!isObject(message) || message['method'] !== 'tools/call') return undefined;
  const params = message['params'];
  if (!isObject(params)) return { tool: '-', detail: 'tools/call without params' };
  const name = params['name'];
  const tool = typeof name === 'string' ? name : '-';
  if (typeof name !== 'string') return { tool, detail: 'tools/call whose name is not a string' };
  const args = params['arguments'];
  if (args !== undefined && !isObject(args))
    return { tool, detail: 'tools/call whose arguments are not an object' };
  const state = params['requestState'];
  if (state !== undefined && typeof state !== 'string')
    return { tool, detail: 'tools/call whose requestState is not a string' };
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
