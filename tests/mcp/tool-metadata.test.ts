import { describe, expect, it } from 'vitest';
import { keyForThisProcess } from '../../src/adapters/config/state-key.js';
import { ALL_TOOLS } from '../../src/mcp/tools/index.js';
import { TOOLSETS } from '../../src/mcp/define-tool.js';
import { mcpHttpEndpoint } from '../../src/mcp/http-endpoint.js';
import { Fleet } from '../../src/core/fleet/fleet.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { User } from '../../src/core/users/user.js';
import { endpointClient, type Era } from '../support/mcp-client.js';
import { userFixture } from '../support/fixtures.js';

const admin: User = userFixture({ name: 'a', role: 'admin' });

/** What the model sees of every tool, as the SDK serves it in the given era. */
async function listedTools(era: Era = 'modern') {
  // Listing touches no dependency; the handlers are never called here.
  const endpoint = mcpHttpEndpoint({} as CoreDeps, { requestStateKey: keyForThisProcess() });
  const client = await endpointClient(
    endpoint,
    { user: admin, requestId: 'r', fleet: Fleet.empty() },
    era,
  );
  const { tools } = await client.listTools();
  await client.close();
  await endpoint.close();
  return tools;
}

describe('tool metadata', () => {
  it('gives every tool a unique snake_case verb_noun name, a toolset, and a description a model can use', () => {
    const names = ALL_TOOLS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const tool of ALL_TOOLS) {
      expect(tool.name).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(TOOLSETS).toContain(tool.toolset);
      expect(tool.title.length).toBeGreaterThan(3);
      expect(tool.description.length, tool.name).toBeGreaterThan(80);
    }
  });

  it('lists every tool with all four annotations, an input and an output schema, and described inputs', async () => {
    const tools = await listedTools();
    expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
    for (const tool of tools) {
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
        expect(
          typeof tool.annotations?.[hint as keyof typeof tool.annotations],
          `${tool.name}.${hint}`,
        ).toBe('boolean');
      }
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.inputSchema.type).toBe('object');
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
        expect(
          (schema as { description?: string }).description,
          `${tool.name}.${field}`,
        ).toBeTruthy();
      }
    }
  });

  it('marks read-only tools as not destructive', () => {
    for (const tool of ALL_TOOLS)
      if (tool.annotations.readOnlyHint)
        expect(tool.annotations.destructiveHint, tool.name).toBe(false);
  });

  it('lists the same tools, byte for byte, to both protocol eras, with JSON Schema 2020-12', async () => {
    const modern = await listedTools('modern');
    expect(await listedTools('legacy')).toEqual(modern);
    for (const tool of modern) {
      expect(tool.inputSchema.$schema, tool.name).toBe(
        'https://json-schema.org/draft/2020-12/schema',
      );
      expect(tool.outputSchema?.$schema, tool.name).toBe(
        'https://json-schema.org/draft/2020-12/schema',
      );
    }
  });

  it('matches the reviewed schema snapshots', async () => {
    for (const tool of await listedTools()) {
      await expect(JSON.stringify(tool, null, 2) + '\n').toMatchFileSnapshot(
        `__toolsnaps__/${tool.name}.json`,
      );
    }
  });
});
