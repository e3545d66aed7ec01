import { z } from 'zod';
import type { Tool } from '@modelcontextprotocol/server';
import type { Role } from '../core/users/user.js';
import { roleAtLeast } from '../core/users/user.js';
import type { AnyTool } from './define-tool.js';
import { ALL_TOOLS } from './tools/index.js';
import { filterKey, passes, type ToolFilter } from './tool-filter.js';

/**
 * The tools a caller may see: those of their role, narrowed by their filter (toolsets, read-only).
 * Hidden tools cannot be called at all.
 */
export function toolsFor(
  role: Role,
  filter: ToolFilter = {},
  tools: readonly AnyTool[] = ALL_TOOLS,
): AnyTool[] {
  return tools.filter((t) => roleAtLeast(role, t.minRole) && passes(t, filter));
}

/** A tool's input and output schemas as zod objects, built once per tool. */
const schemaCache = new WeakMap<AnyTool, { input: z.ZodObject; output: z.ZodObject }>();

export function schemasOf(tool: AnyTool): { input: z.ZodObject; output: z.ZodObject } {
  let schemas = schemaCache.get(tool);
  if (!schemas) {
    schemas = { input: z.object(tool.inputSchema), output: z.object(tool.outputSchema) };
    schemaCache.set(tool, schemas);
  }
  return schemas;
}

/**
 * A tool as tools/list shows it: JSON Schema 2020-12 derived from the same zod objects the call
 * is validated with (input as the caller writes it, output as the handler returns it), all four
 * annotation hints, the title.
 */
function listed(tool: AnyTool): Tool {
  const { input, output } = schemasOf(tool);
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(input, 'input'),
    outputSchema: jsonSchema(output, 'output'),
    annotations: { title: tool.title, ...tool.annotations },
  };
}

/** The plain JSON of a zod object's JSON Schema (2020-12), as it goes on the wire. */
function jsonSchema(schema: z.ZodObject, io: 'input' | 'output'): Tool['inputSchema'] {
  const plain = JSON.parse(
    JSON.stringify(z.toJSONSchema(schema, { target: 'draft-2020-12', io })),
  ) as Record<string, unknown>;
  return { ...plain, type: 'object' };
}

/**
 * tools/list depends only on the role and the filter: each list is built once and served from
 * memory (a few hundred combinations at most).
 */
const lists = new Map<string, { tools: Tool[] }>();

export function toolListFor(role: Role, filter: ToolFilter = {}): { tools: Tool[] } {
  const key = `${role}:${filterKey(filter)}`;
  let list = lists.get(key);
  if (!list) {
    list = { tools: toolsFor(role, filter).map(listed) };
    lists.set(key, list);
  }
  return list;
}
