import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  type CallToolResult,
  type ListToolsResult,
} from '@modelcontextprotocol/sdk/types.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Role } from '../core/users/user.js';
import { AppError, publicMessage } from '../core/errors.js';
import { roleAtLeast } from '../core/users/user.js';
import type { AnyTool, ToolContext } from './define-tool.js';
import { ALL_TOOLS } from './tools/index.js';
import { z, type ZodRawShape } from 'zod';
import { createScrubber } from '../core/exec/scrub.js';

export const SERVER_INFO = { name: 'ssh-mcp-gateway', version: '0.1.0' };

const INSTRUCTIONS =
  'This server runs shell commands on a fleet of Linux hosts over SSH. Start with whoami and list_hosts; ' +
  'use check_hosts to see what is reachable; use run_command with host, hosts, tags or groups. Every call is audited.';

// The SDK builds an Ajv instance per server unless given one; we build a server per request.
const sharedValidator = new AjvJsonSchemaValidator();

/** The tools a user's role may see: hidden tools cannot be called at all. */
export function toolsFor(
  role: ToolContext['user']['role'],
  tools: readonly AnyTool[] = ALL_TOOLS,
): AnyTool[] {
  return tools.filter((t) => roleAtLeast(role, t.minRole));
}

/**
 * tools/list depends only on the role, but the SDK converts every tool's zod schemas to JSON
 * Schema on each listing, and we build a server per request. So each role's list is produced once
 * by the SDK itself (a throwaway server and client in memory, so it is exactly what the SDK would
 * send) and served from memory after that.
 */
const toolLists = new Map<Role, Promise<ListToolsResult>>();

function toolListFor(role: Role): Promise<ListToolsResult> {
  let list = toolLists.get(role);
  if (!list) {
    list = (async () => {
      const server = new McpServer(SERVER_INFO, { jsonSchemaValidator: sharedValidator });
      registerAll(server, role, () => Promise.resolve({ content: [] }));
      const [a, b] = InMemoryTransport.createLinkedPair();
      const client = new Client({ name: 'tool-list', version: '1' });
      await Promise.all([server.connect(a), client.connect(b)]);
      const result = await client.listTools();
      await client.close();
      return { tools: result.tools };
    })();
    list.catch(() => toolLists.delete(role));
    toolLists.set(role, list);
  }
  return list;
}

function registerAll(
  server: McpServer,
  role: Role,
  handler: (tool: AnyTool, input: Record<string, unknown>) => Promise<CallToolResult>,
): void {
  for (const tool of toolsFor(role)) {
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema as ZodRawShape,
        outputSchema: tool.outputSchema as ZodRawShape,
        annotations: { title: tool.title, ...tool.annotations },
      },
      (input: Record<string, unknown>) => handler(tool, input),
    );
  }
}

/**
 * A fresh MCP server for one request and one user, with only the tools their role allows. The
 * server answers tools/call itself, so every call is audited whatever refuses it: a tool the role
 * does not have (answered exactly like one that does not exist), arguments the schema refuses, a
 * handler's error. Tools `auditedByCore` are recorded by the core when they run, so only their
 * refusals and failures are recorded here. A call whose record cannot be written fails.
 */
export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: { listChanged: true } },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: sharedValidator,
  });
  // No tool is registered with the McpServer: the two tool methods are answered here.
  server.server.setRequestHandler(ListToolsRequestSchema, () => toolListFor(ctx.user.role));
  server.server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(request.params.name, request.params.arguments ?? {}, ctx),
  );
  return server;
}

const MAX_NAME_SHOWN = 100;

async function callTool(
  name: string,
  args: Record<string, unknown>,
  ctx: ToolContext,
): Promise<CallToolResult> {
  const started = Date.now();
  const tool = toolsFor(ctx.user.role).find((t) => t.name === name);
  // A hidden tool's command is recorded too: a viewer probing run_command leaves its trace.
  const declared = tool ?? ALL_TOOLS.find((t) => t.name === name);
  const raw = declared?.auditCommand ? args[declared.auditCommand] : undefined;
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
    const shown = name.length > MAX_NAME_SHOWN ? `${name.slice(0, MAX_NAME_SHOWN)}…` : name;
    const message = `Tool ${shown} not found; tools/list shows the tools you may call`;
    return answer(record('NOT_FOUND', message), toolError(message), ctx, name);
  }
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
      throw new Error(`output does not match the schema: ${describeIssues(checked.error)}`);
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
        error: describe(error),
      });
    const message = publicMessage(error);
    const code = error instanceof AppError ? error.code : 'INTERNAL';
    return answer(record(code, message, safeTargets(tool, input)), toolError(message), ctx, name);
  }
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
      error: describe(error),
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

const schemaCache = new WeakMap<AnyTool, { input: z.ZodObject; output: z.ZodObject }>();

function schemasOf(tool: AnyTool): { input: z.ZodObject; output: z.ZodObject } {
  let schemas = schemaCache.get(tool);
  if (!schemas) {
    schemas = { input: z.object(tool.inputSchema), output: z.object(tool.outputSchema) };
    schemaCache.set(tool, schemas);
  }
  return schemas;
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

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
