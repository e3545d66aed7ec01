import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
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
import type { ZodRawShape } from 'zod';

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
 * A fresh MCP server for one request and one user, with only the tools their role allows. Each
 * call is audited (`tool.call`, or the core's own records for tools `auditedByCore`), and any
 * error becomes an `isError` result with a public message; internal detail goes to the log.
 */
export function createMcpServer(ctx: ToolContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: sharedValidator,
  });
  registerAll(server, ctx.user.role, (tool, input) => invoke(tool, input, ctx));
  server.server.setRequestHandler(ListToolsRequestSchema, () => toolListFor(ctx.user.role));
  return server;
}

async function invoke(
  tool: AnyTool,
  input: Record<string, unknown>,
  ctx: ToolContext,
): Promise<CallToolResult> {
  const started = Date.now();
  const { deps, user, requestId } = ctx;
  const audit = (outcome: string, targets: string[], detail?: string) =>
    deps.audit.append({
      type: 'tool.call',
      requestId,
      user: user.name,
      tool: tool.name,
      targets,
      outcome,
      durationMs: Date.now() - started,
      ...(detail ? { detail } : {}),
    });
  try {
    const output = await tool.handler(input, ctx);
    if (!tool.auditedByCore) await audit('ok', tool.auditTargets?.(input, output) ?? []);
    return { structuredContent: output, content: [{ type: 'text', text: tool.toText(output) }] };
  } catch (error) {
    if (!(error instanceof AppError))
      deps.logger.error('tool failed', { tool: tool.name, requestId, error: describe(error) });
    const message = publicMessage(error);
    try {
      await audit(
        error instanceof AppError ? error.code : 'INTERNAL',
        safeTargets(tool, input),
        message,
      );
    } catch (auditError) {
      deps.logger.error('audit append failed', {
        tool: tool.name,
        requestId,
        error: describe(auditError),
      });
    }
    return { isError: true, content: [{ type: 'text', text: message }] };
  }
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
