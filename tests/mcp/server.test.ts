import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyForThisProcess } from '../../src/adapters/config/state-key.js';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { AUDIT_UNAVAILABLE, createMcpServer } from '../../src/mcp/server.js';
import { AppError } from '../../src/core/errors.js';
import { mcpHttpEndpoint } from '../../src/mcp/http-endpoint.js';
import { AuditLog } from '../../src/core/audit/audit-log.js';
import { DynamoAuditStore } from '../../src/adapters/dynamo/dynamo-audit-store.js';
import { Fleet } from '../../src/core/fleet/fleet.js';
import type { CoreDeps } from '../../src/core/deps.js';
import type { User } from '../../src/core/users/user.js';
import { startTestStore, type TestStore } from '../support/embedded-store.js';
import { recordingLogger } from '../support/logger.js';
import { endpointClient, sdkClient, type Era } from '../support/mcp-client.js';
import { userFixture } from '../support/fixtures.js';

const viewer: User = userFixture({
  name: 'v',
  role: 'viewer',
  access: { hosts: [], groups: [], tags: [] },
});

describe('MCP server: a call that cannot be audited fails', () => {
  let store: TestStore;
  const { logger, lines } = recordingLogger();

  beforeAll(async () => {
    store = await startTestStore('unaudited');
  });
  afterAll(() => store.close());

  /** A client of a server whose audit table does not exist: every append fails in DynamoDB itself. */
  async function clientWithBrokenAudit(era: Era) {
    const audit = new AuditLog(new DynamoAuditStore(store.db, 'no-such-audit-table'));
    const endpoint = mcpHttpEndpoint({ audit, logger } as unknown as CoreDeps, {
      requestStateKey: keyForThisProcess(),
    });
    return endpointClient(endpoint, { user: viewer, requestId: 'r', fleet: Fleet.empty() }, era);
  }

  for (const era of ['modern', 'legacy'] as const) {
    it.each([
      ['a call that succeeds', 'whoami', {}],
      ['arguments the schema refuses', 'describe_host', { host: 42 }],
    ])(`withholds the answer to %s and says why (${era} era)`, async (_case, name, args) => {
      const client = await clientWithBrokenAudit(era);
      lines.length = 0;
      const result = await client.callTool({ name, arguments: args });
      await client.close();
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toBeUndefined();
      expect(result.content).toEqual([{ type: 'text', text: AUDIT_UNAVAILABLE }]);
      expect(lines.map((l) => [l.level, l.message])).toEqual([
        ['error', 'audit append failed'],
        ['metric', 'AuditWriteFailures'],
      ]);
    });

    it(`answers a hidden tool it cannot record with an internal error, not "not found" (${era} era)`, async () => {
      const client = await clientWithBrokenAudit(era);
      const error = await client
        .callTool({ name: 'run_command', arguments: { host: 'h', command: 'id' } })
        .then(
          () => undefined,
          (e: { code?: number; message?: string }) => e,
        );
      await client.close();
      expect(error?.code).toBe(-32603);
      expect(error?.message).toContain(AUDIT_UNAVAILABLE);
    });
  }

  it('asks for the user again before every call, so a key revoked mid-connection stops the next one, audited', async () => {
    const auditStore = new DynamoAuditStore(store.db, store.tables.audit);
    const audit = new AuditLog(auditStore);
    let revoked = false;
    const server = createMcpServer({
      deps: { audit, logger } as unknown as CoreDeps,
      fleet: Fleet.empty(),
      user: viewer,
      era: 'legacy',
      currentUser: () =>
        revoked
          ? Promise.reject(new AppError('UNAUTHORIZED', 'API key abc is not known'))
          : Promise.resolve(viewer),
    });
    const [a, b] = InMemoryTransport.createLinkedPair();
    const client = sdkClient('legacy');
    await Promise.all([server.connect(a), client.connect(b)]);
    expect((await client.callTool({ name: 'whoami', arguments: {} })).isError).toBeFalsy();
    revoked = true;
    await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(
      /API key abc is not known/,
    );
    await client.close();
    const [latest] = await auditStore.range({ limit: 1, newestFirst: true });
    expect(latest?.event).toMatchObject({
      type: 'request.refused',
      user: 'v',
      outcome: 'UNAUTHORIZED',
      detail: 'API key abc is not known',
    });
  });
});
