import {
  CLIENT_CAPABILITIES_META_KEY,
  inputResponse,
  McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type CallToolResult,
  type InputRequiredResult,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { AppError, InternalError, logDetail, publicMessage } from '../core/errors.js';
import { createScrubber } from '../core/exec/scrub.js';
import type { CoreDeps } from '../core/deps.js';
import type { Fleet } from '../core/fleet/fleet.js';
import type { User } from '../core/users/user.js';
import type { ApprovalState } from '../core/run/decide.js';
import type { AnyTool, CallerProtocol, ToolContext } from './define-tool.js';
import { APPROVAL_INPUT, RequestStateRefused, type ApprovalRounds } from './approval-rounds.js';
import { ALL_TOOLS } from './tools/index.js';
import { schemasOf, toolListFor, toolsFor } from './tool-list.js';
import { describeFilter, narrowed, userFilter, type ToolFilter } from './tool-filter.js';

export const SERVER_INFO = { name: 'ssh-mcp-gateway', version: '0.1.0' };

const INSTRUCTIONS =
  'This server runs shell commands on a fleet of Linux hosts over SSH. Start with whoami and list_hosts; ' +
  'use check_hosts to see what is reachable; use run_command with host, hosts, tags or groups. Every call is audited.';

/**
 * How long a client may reuse a tools/list answer (2026-07-28 `ttlMs`). The list is per role,
 * so it is `private` to the caller; a role changed by an admin shows within this time.
 */
export const TOOL_LIST_TTL_MS = 60_000;

/** Who is calling and how: everything a server instance is built around. */
export interface McpCaller {
  readonly deps: CoreDeps;
  readonly fleet: Fleet;
  readonly user: User;
  readonly era: CallerProtocol['era'];
  /** The HTTP request's id; absent on stdio, where each call gets one of its own. */
  readonly requestId?: string;
  /** Where people reach the gateway, for links (HTTP only). */
  readonly origin?: string;
  /** When work in this process stops (a Lambda invocation's end), epoch ms. */
  readonly runUntil?: number;
  /** The narrowing the client connected with (`/mcp?toolsets=…&readonly=true`); the user's own applies too. */
  readonly filter?: ToolFilter;
  /**
   * The user as of now, for a server that outlives one request (stdio): checked again before
   * every call, so a revoked key or a changed role takes effect at once, as over HTTP. Throws
   * when the user may no longer call anything.
   */
  readonly currentUser?: () => Promise<User>;
  /**
   * Sends a person to an approval's page and picks the call up again (2026-07-28 clients that
   * open URLs); absent where no state can be sealed (stdio), so held calls get the plain answer.
   */
  readonly rounds?: ApprovalRounds;
}

/**
 * A fresh MCP server for one request (HTTP) or one connection (stdio) and one user, with only the
 * tools their role allows, for either protocol era. The server answers tools/list and tools/call
 * itself, so every call is audited whatever refuses it: a tool the role does not have (answered
 * exactly like one that does not exist), arguments the schema refuses, a handler's error. Tools
 * `auditedByCore` are recorded by the core when they run, so only their refusals and failures
 * are recorded here. A call whose record cannot be written fails.
 *
 * Stateless by design: the tool list never changes under a client (no `listChanged`), and
 * nothing is pushed, so `subscriptions/listen` is refused where it is served (see http-endpoint.ts).
 */
export function createMcpServer(caller: McpCaller): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: INSTRUCTIONS,
    cacheHints: { 'tools/list': { ttlMs: TOOL_LIST_TTL_MS, cacheScope: 'private' } },
  });
  const user = () => caller.currentUser?.() ?? Promise.resolve(caller.user);
  // Each call its own request id: the HTTP request's for the first, suffixed after that (a
  // 2025-era batch carries several calls in one request; stdio carries a connection's worth).
  let calls = 0;
  const requestId = () => {
    const base = caller.requestId ?? randomUUID();
    return calls++ === 0 || caller.requestId === undefined ? base : `${base}.${calls}`;
  };
  // No tool is registered with the McpServer: the two tool methods are answered here.
  const filterOf = (u: User) => narrowed(caller.filter ?? {}, userFilter(u));
  server.server.setRequestHandler('tools/list', async () => {
    const u = await user();
    return toolListFor(u.role, filterOf(u));
  });
  server.server.setRequestHandler('tools/call', async (request, context) => {
    const id = requestId();
    const ctx: ToolContext = {
      deps: caller.deps,
      fleet: caller.fleet,
      user: await stillAllowed(user, caller, id),
      requestId: id,
      protocol: protocolOf(caller.era, context),
      ...(caller.origin ? { origin: caller.origin } : {}),
      ...(caller.runUntil !== undefined ? { runUntil: caller.runUntil } : {}),
    };
    // The SDK refuses a requestState that is not a string before this handler runs.
    const state = context.mcpReq.requestState();
    return callTool(
      {
        name: request.params.name,
        args: request.params.arguments ?? {},
        ...(typeof state === 'string' ? { retry: { state, context } } : {}),
      },
      ctx,
      caller.rounds,
      filterOf(ctx.user),
    );
  });
  return server;
}

/** The caller's user now; a refusal (a key revoked while a stdio connection was open) is audited. */
async function stillAllowed(
  user: () => Promise<User>,
  caller: McpCaller,
  requestId: string,
): Promise<User> {
  try {
    return await user();
  } catch (error) {
    const message = publicMessage(error);
    await caller.deps.audit.append({
      type: 'request.refused',
      requestId,
      user: caller.user.name,
      outcome: error instanceof AppError ? error.code : 'INTERNAL',
      detail: message,
    });
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, message);
  }
}

function protocolOf(era: CallerProtocol['era'], context: ServerContext): CallerProtocol {
  // The SDK validated the envelope; its published type names none of the keys.
  const envelope: Record<string, unknown> = context.mcpReq.envelope ?? {};
  const declared = envelope[CLIENT_CAPABILITIES_META_KEY];
  return {
    era,
    ...(declared !== null && typeof declared === 'object'
      ? { capabilities: declared as Record<string, unknown> }
      : {}),
  };
}

const MAX_NAME_SHOWN = 100;

/** One tools/call: the tool, its arguments, and on a retry after `input_required` its state. */
interface ToolCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** The state the client echoes, with the request's context (its responses, its envelope). */
  readonly retry?: { readonly state: string; readonly context: ServerContext };
}

async function callTool(
  call: ToolCall,
  ctx: ToolContext,
  rounds: ApprovalRounds | undefined,
  filter: ToolFilter,
): Promise<CallToolResult | InputRequiredResult> {
  const { name } = call;
  const started = Date.now();
  const tool = toolsFor(ctx.user.role, filter).find((t) => t.name === name);
  // A hidden tool's command is recorded too: a viewer probing run_command leaves its trace.
  const declared = tool ?? ALL_TOOLS.find((t) => t.name === name);
  const raw = declared?.auditCommand ? call.args[declared.auditCommand] : undefined;
  const record = (outcome: string, detail?: string, targets: string[] = [], command = raw) =>
    ctx.deps.audit.append({
      type: 'tool.call',
      requestId: ctx.requestId,
      user: ctx.user.name,
      tool: name,
      targets,
      ...(typeof command === 'string'
        ? { command: createScrubber(ctx.fleet.secretValues())(command) }
        : {}),
      outcome,
      durationMs: Date.now() - started,
      ...(detail ? { detail } : {}),
    });

  if (!tool) {
    // The spec's answer to an unknown tool is a JSON-RPC -32602, in both eras. A tool the role
    // has, left out by a filter, is named as such; one the role lacks is as unknown as any.
    const shown = name.length > MAX_NAME_SHOWN ? `${name.slice(0, MAX_NAME_SHOWN)}…` : name;
    const filtered = toolsFor(ctx.user.role).find((t) => t.name === name);
    const message = filtered
      ? `Tool ${shown} is left out of this connection (${describeFilter(filter)}; the user's own settings or the URL's ?toolsets= and ?readonly= narrow the list); tools/list shows the tools you may call`
      : `Tool ${shown} not found; tools/list shows the tools you may call`;
    return refuse(record('NOT_FOUND', message), message, ctx, name);
  }
  // A retry after input_required: its state names the approval the call waited for.
  const retried = call.retry
    ? await retryArgs(call, call.retry, rounds, ctx, tool, record)
    : { args: call.args };
  if ('declined' in retried)
    return answer(record('DECLINED', retried.declined), toolError(retried.declined), ctx, name);
  const { args } = retried;
  const schemas = schemasOf(tool);
  const parsed = schemas.input.safeParse(args);
  if (!parsed.success) {
    const message = `invalid arguments for ${name}: ${describeIssues(parsed.error)}; correct them and call again (tools/list shows the input schema)`;
    return answer(record('INVALID_INPUT', message), toolError(message), ctx, name);
  }
  const input = parsed.data;
  let result: CallToolResult;
  try {
    const output = await tool.handler(input, ctx);
    const checked = schemas.output.safeParse(output);
    if (!checked.success)
      throw new InternalError(`output does not match the schema: ${describeIssues(checked.error)}`);
    const redirect =
      tool.asksApproval && !call.retry
        ? await redirectIfHeld(output, rounds, ctx, name)
        : undefined;
    if (redirect) return redirect;
    result = { structuredContent: output, content: [{ type: 'text', text: tool.toText(output) }] };
    if (tool.auditedByCore) return result;
    return answer(
      record('ok', undefined, tool.auditTargets?.(input, output) ?? []),
      result,
      ctx,
      name,
    );
  } catch (error) {
    if (!(error instanceof AppError))
      ctx.deps.logger.error('tool failed', {
        tool: name,
        requestId: ctx.requestId,
        error: logDetail(error),
      });
    const message = publicMessage(error);
    const code = error instanceof AppError ? error.code : 'INTERNAL';
    return answer(record(code, message, safeTargets(tool, input)), toolError(message), ctx, name);
  }
}

/** What the SDK says of a requestState it refuses; ours says the same, whatever the reason. */
const REQUEST_STATE_REFUSED = 'Invalid or expired requestState';

/**
 * A retry's arguments. A state that is not ours to take is refused (-32602, audited): forged,
 * altered, expired, another user's or tool's, on a call naming another approval, from a 2025-era
 * request or where none is ever sealed. Otherwise the call goes on with the approval it names,
 * once the person accepted going to the page; after a decline or cancel it stops there, saying
 * why. A key that cannot be read is logged and the state set aside: the call
 * goes on as a first one, which finds its approval still pending.
 */
async function retryArgs(
  call: ToolCall,
  retry: NonNullable<ToolCall['retry']>,
  rounds: ApprovalRounds | undefined,
  ctx: ToolContext,
  tool: AnyTool,
  record: (outcome: string, detail: string) => Promise<unknown>,
): Promise<{ args: Record<string, unknown> } | { declined: string }> {
  try {
    if (!rounds || !tool.asksApproval || ctx.protocol.era !== 'modern')
      throw new RequestStateRefused(`requestState sent to ${tool.name}, where none was given`);
    const approvalId = await rounds.resume(retry.state, retry.context, {
      user: ctx.user.name,
      tool: tool.name,
    });
    const named = call.args['approvalId'];
    if (named !== undefined && named !== approvalId)
      throw new RequestStateRefused(
        `requestState for approval ${approvalId}, with approvalId ${JSON.stringify(named).slice(0, 40)}`,
      );
    if (accepted(retry.context)) return { args: { ...call.args, approvalId } };
    return {
      declined: `you did not continue to the approval page, so nothing ran and approval ${approvalId} was not used; once it is approved, call ${tool.name} again with the same arguments and approvalId "${approvalId}"`,
    };
  } catch (error) {
    if (error instanceof RequestStateRefused)
      return refuse(
        record('INVALID_REQUEST_STATE', error.message),
        REQUEST_STATE_REFUSED,
        ctx,
        tool.name,
        {
          reason: 'invalid_request_state',
        },
      );
    ctx.deps.logger.error('requestState could not be checked; the call goes on as a first one', {
      tool: tool.name,
      requestId: ctx.requestId,
      error: logDetail(error),
    });
    return { args: call.args };
  }
}

/** The person went to the approval page (the client's answer to the URL elicitation). */
function accepted(context: ServerContext): boolean {
  const view = inputResponse(context.mcpReq.inputResponses, APPROVAL_INPUT);
  return view.kind === 'elicit' && view.action === 'accept';
}

/**
 * A call held for approval, on its first round: a client that opens URLs is sent to the page
 * and comes back by itself. A state that cannot be sealed (the key unreadable) costs only that:
 * the plain answer goes out, and the log says why.
 */
async function redirectIfHeld(
  output: unknown,
  rounds: ApprovalRounds | undefined,
  ctx: ToolContext,
  tool: string,
): Promise<InputRequiredResult | undefined> {
  const held = (output as { approval?: ApprovalState }).approval;
  if (!held || !rounds) return undefined;
  try {
    return await rounds.redirect(held, {
      user: ctx.user.name,
      tool,
      protocol: ctx.protocol,
      ...(ctx.origin ? { origin: ctx.origin } : {}),
    });
  } catch (error) {
    ctx.deps.logger.error('requestState could not be sealed; the plain answer is sent', {
      tool,
      requestId: ctx.requestId,
      error: logDetail(error),
    });
    return undefined;
  }
}

/** A JSON-RPC error (-32602) once its audit record is durable; an internal error when it is not. */
async function refuse(
  recorded: Promise<unknown>,
  message: string,
  ctx: ToolContext,
  tool: string,
  data?: Record<string, unknown>,
): Promise<never> {
  const result = await answer(recorded, toolError(message), ctx, tool);
  if (result.content[0]?.type === 'text' && result.content[0].text === AUDIT_UNAVAILABLE)
    throw new ProtocolError(ProtocolErrorCode.InternalError, AUDIT_UNAVAILABLE);
  throw new ProtocolError(ProtocolErrorCode.InvalidParams, message, data);
}

/** The result once its audit record is durable; a call that cannot be recorded fails. */
async function answer(
  recorded: Promise<unknown>,
  result: CallToolResult,
  ctx: ToolContext,
  tool: string,
): Promise<CallToolResult> {
  try {
    await recorded;
    return result;
  } catch (error) {
    ctx.deps.logger.error('audit append failed', {
      tool,
      requestId: ctx.requestId,
      error: logDetail(error),
    });
    ctx.deps.logger.count('AuditWriteFailures');
    return toolError(AUDIT_UNAVAILABLE);
  }
}

export const AUDIT_UNAVAILABLE =
  'the gateway could not write the audit record for this call, so it withholds the result; try again, and tell an admin if it keeps failing (the gateway log says why)';

function toolError(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** `command: Too big: expected string to have <=16384 characters` — names and rules, never the values. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ');
}

function safeTargets(tool: AnyTool, input: Record<string, unknown>): string[] {
  try {
    return tool.auditTargets?.(input) ?? [];
  } catch {
    return [];
  }
}
