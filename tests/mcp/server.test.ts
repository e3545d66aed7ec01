import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AUDIT_UNAVAILABLE, createMcpServer } from '../../src/mcp/server.js';
import { AuditLog } from '../../src/core/audit/audit-log.js';
import { DynamoAuditStore } from '../../src/adapters/dynamo/dynamo-audit-store.js';
import { Fleet } from '../../src/core/fleet/fleet.js';
import type { CoreDeps } from '../../src/core/deps.js';
import { recordingLogger } from '../support/logger.js';
import type { User } from '../../src/core/users/user.js';
import { startTestStore, type TestStore } from '../support/embedded-store.js';

const viewer: User = {
  name: 'v',
  role: 'viewer',
  access: { hosts: [], groups: [], tags: [] },
  disabled: false,
  createdAt: '',
};

describe('MCP server: a call that cannot be audited fails', () => {
  let store: TestStore;
  const { logger, lines } = recordingLogger();

  beforeAll(async () => {
    store = await startTestStore('unaudited');
  });
  afterAll(() => store.close());

  /** A client of a server whose audit table does not exist: every append fails in DynamoDB itself. */
  async function clientWithBrokenAudit(): Promise<Client> {
    const audit = new AuditLog(new DynamoAuditStore(store.db, 'no-such-audit-table'));
    const server = createMcpServer({
      deps: { audit, logger } as unknown as CoreDeps,
      fleet: Fleet.empty(),
      user: viewer,
      requestId: 'r',
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 't', version: '1' });
    await Promise.all([server.connect(a), client.connect(b)]);
    return client;
  }

  it.each([
    ['a call that succeeds', 'whoami', {}],
    ['a hidden tool', 'run_command', { host: 'h', command: 'id' }],
    ['arguments the schema refuses', 'describe_host', { host: 42 }],
  ])('withholds the answer to %s and says why', async (_case, name, args) => {
    const client = await clientWithBrokenAudit();
    lines.length = 0;
    const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
    await client.close();
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: AUDIT_UNAVAILABLE }]);
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['error', 'audit append failed'],
      ['metric', 'AuditWriteFailures'],
    ]);
  });
});
