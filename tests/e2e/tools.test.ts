import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { addClientKey, freePort, startSshFleet, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { writeFileSync } from 'node:fs';
import { formatRecord } from '../../src/cli/commands/audit.js';
import { join } from 'node:path';

const PASSPHRASE = 'tulip-orbit-5521-secret';

describe('MCP tools end to end', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let admin: Client;
  let operator: Client;
  let evenOnly: Client;
  let viewer: Client;

  beforeAll(async () => {
    fleet = await startSshFleet(5, { prefix: 'node' });
    const lockedKey = addClientKey(fleet, 'locked_key', PASSPHRASE);
    writeFileSync(join(fleet.dir, 'locked_key'), lockedKey);
    const first = fleet.hosts[0]!;
    const document = fleetDocument(fleet, {
      groups: { firsttwo: { hosts: ['node-1', 'node-2'] } },
      limits: { maxOutputBytes: 2048 },
      hosts: [
        {
          name: 'dead',
          address: '127.0.0.1',
          port: await freePort(),
          user: fleet.user,
          credential: 'test',
          hostKey: first.hostKeyFingerprint,
          tags: ['broken'],
        },
        {
          name: 'impostor',
          address: '127.0.0.1',
          port: first.port,
          user: fleet.user,
          credential: 'test',
          hostKey: fleet.hosts[1]!.hostKeyFingerprint,
          tags: ['broken'],
        },
        {
          name: 'unpinned',
          address: '127.0.0.1',
          port: first.port,
          user: fleet.user,
          credential: 'test',
          tags: ['broken'],
        },
        {
          name: 'locked',
          address: '127.0.0.1',
          port: first.port,
          user: fleet.user,
          credential: 'locked',
          hostKey: first.hostKeyFingerprint,
          tags: ['secret'],
        },
      ],
    });
    (document.credentials as Record<string, unknown>).locked = {
      privateKeyFile: join(fleet.dir, 'locked_key'),
      passphrase: PASSPHRASE,
    };
    gw = await startGateway(document);
    admin = await gw.client(await gw.user({ name: 'root-admin', role: 'admin' }));
    operator = await gw.client(
      await gw.user({
        name: 'op',
        role: 'operator',
        access: { tags: ['test', 'broken', 'secret'] },
      }),
    );
    evenOnly = await gw.client(
      await gw.user({ name: 'even-op', role: 'operator', access: { tags: ['even'] } }),
    );
    viewer = await gw.client(
      await gw.user({ name: 'watcher', role: 'viewer', access: { groups: ['firsttwo'] } }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = (r: CallToolResult) => r.structuredContent as Record<string, any>;
  const text = (r: CallToolResult) => (r.content[0] as { text: string }).text;

  describe('tools/list', () => {
    it('hides run_command from viewers and shows it to operators', async () => {
      const viewerTools = (await viewer.listTools()).tools.map((t) => t.name);
      const operatorTools = (await operator.listTools()).tools.map((t) => t.name);
      expect(viewerTools).toEqual(['whoami', 'list_hosts', 'describe_host', 'check_hosts']);
      expect(operatorTools).toContain('run_command');
    });

    it('refuses a viewer who calls run_command anyway: nothing runs, and it looks like no such tool', async () => {
      const command = `echo viewer-probe-${Date.now()}`;
      // The spec's answer to an unknown tool: JSON-RPC -32602 (Invalid params), in both eras.
      const refusal = (name: string, args: Record<string, unknown>) =>
        viewer.callTool({ name, arguments: args }).then(
          () => 'answered',
          (error: { code?: number; message?: string }) => `${error.code} ${error.message}`,
        );
      const probe = await refusal('run_command', { host: 'node-1', command });
      expect(probe).toMatch(/^-32602 .*Tool run_command not found/);
      // The same answer as for a tool that does not exist: the role's tools are not revealed.
      const missing = await refusal('no_such_tool', {});
      expect(probe).toBe(missing.replace('no_such_tool', 'run_command'));
      // Nothing was judged or run on the viewer's behalf, and the probe left its trace.
      const records = await gw.gateway.store.auditStore.range({ limit: 50, newestFirst: true });
      expect(
        records.filter(
          (rec) =>
            rec.event.type.startsWith('exec.') &&
            (rec.event.user === 'watcher' || rec.event.command === command),
        ),
      ).toEqual([]);
      const recorded = records.find((rec) => rec.event.command === command);
      expect(recorded?.event).toMatchObject({
        type: 'tool.call',
        user: 'watcher',
        tool: 'run_command',
        outcome: 'NOT_FOUND',
      });
      expect(formatRecord(recorded!)).toMatch(
        new RegExp(
          `tool\\.call {2}watcher {2}run_command {2}command="${command}" {2}outcome=NOT_FOUND`,
        ),
      );
    });
  });

  describe('whoami and list_hosts', () => {
    it('tells the user who they are', async () => {
      const r = await call(evenOnly, 'whoami');
      expect(data(r)).toMatchObject({ name: 'even-op', role: 'operator', visibleHostCount: 3 });
    });

    it('lists only hosts the user may access, filtered by tag and group', async () => {
      expect(data(await call(evenOnly, 'list_hosts')).hosts.map((h: any) => h.name)).toEqual([
        'node-1',
        'node-3',
        'node-5',
      ]);
      expect(data(await call(viewer, 'list_hosts')).hosts.map((h: any) => h.name)).toEqual([
        'node-1',
        'node-2',
      ]);
      expect(data(await call(admin, 'list_hosts', { tag: 'broken' })).count).toBe(3);
      expect(data(await call(admin, 'list_hosts', { group: 'firsttwo' })).hosts[0]).toMatchObject({
        name: 'node-1',
        groups: ['firsttwo'],
      });
    });
  });

  describe('describe_host', () => {
    it('describes a host without secrets', async () => {
      const r = await call(operator, 'describe_host', { host: 'locked' });
      expect(data(r)).toMatchObject({
        name: 'locked',
        authMethod: 'publickey',
        hostKeyPolicy: 'pinned',
      });
      expect(JSON.stringify(r)).not.toContain(PASSPHRASE);
      expect(JSON.stringify(r)).not.toContain('PRIVATE KEY');
    });

    it('answers a forbidden host exactly like an unknown one', async () => {
      const forbidden = await call(evenOnly, 'describe_host', { host: 'node-2' });
      const unknown = await call(evenOnly, 'describe_host', { host: 'node-99' });
      expect(forbidden.isError).toBe(true);
      expect(text(forbidden).replace('node-2', 'X')).toBe(text(unknown).replace('node-99', 'X'));
    });
  });

  describe('check_hosts', () => {
    it('reports latency for reachable hosts and a status for each broken one', async () => {
      const r = data(await call(operator, 'check_hosts', { tags: ['test', 'broken'] }));
      const status = Object.fromEntries(r.results.map((x: any) => [x.host, x.status]));
      expect(status).toEqual({
        'node-1': 'ok',
        'node-2': 'ok',
        'node-3': 'ok',
        'node-4': 'ok',
        'node-5': 'ok',
        dead: 'unreachable',
        impostor: 'hostkey_mismatch',
        unpinned: 'hostkey_mismatch',
      });
      expect(r.summary).toEqual({ total: 8, ok: 5, failed: 3 });
    });
  });

  describe('run_command', () => {
    it('runs on one host and returns stdout, stderr and the exit code', async () => {
      const r = data(
        await call(operator, 'run_command', {
          host: 'node-3',
          command: 'echo out; echo err >&2; exit 7',
        }),
      );
      expect(r.results[0]).toMatchObject({
        host: 'node-3',
        status: 'failed',
        exitCode: 7,
        stdout: 'out\n',
        stderr: 'err\n',
      });
      expect(r.summary).toMatchObject({ total: 1, failed: 1 });
    });

    it('runs on every tagged host and collapses identical output into one group', async () => {
      const r = await call(operator, 'run_command', { tags: ['test'], command: 'echo same' });
      const d = data(r);
      expect(d.summary).toMatchObject({ total: 5, ok: 5 });
      expect(d.groups).toHaveLength(1);
      expect(d.groups[0]).toMatchObject({ stdout: 'same\n', exitCode: 0 });
      expect(d.groups[0].hosts.sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5']);
      expect(d.results.every((x: any) => x.stdout === undefined && x.outputGroup === 0)).toBe(true);
      expect(text(r).match(/same/g)).toHaveLength(1);
    });

    it('keeps differing output per host', async () => {
      const d = data(
        await call(operator, 'run_command', {
          hosts: ['node-1', 'node-2'],
          command: 'echo $PPID-$$',
        }),
      );
      expect(d.groups).toHaveLength(2);
      expect(d.results.every((x: any) => typeof x.stdout === 'string')).toBe(true);
    });

    it('only touches hosts the user may access', async () => {
      const d = data(await call(evenOnly, 'run_command', { tags: ['test'], command: 'true' }));
      expect(d.results.map((x: any) => x.host).sort()).toEqual(['node-1', 'node-3', 'node-5']);
      const forbidden = await call(evenOnly, 'run_command', {
        hosts: ['node-1', 'node-2'],
        command: 'true',
      });
      expect(forbidden.isError).toBe(true);
      expect(text(forbidden)).toBe('unknown host "node-2"');
    });

    it('needs exactly one way of naming targets', async () => {
      const r = await call(operator, 'run_command', {
        host: 'node-1',
        tags: ['test'],
        command: 'true',
      });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/exactly one of host, hosts, tags or groups/);
    });

    it('times out a slow command and reports timeout', async () => {
      const d = data(
        await call(operator, 'run_command', {
          host: 'node-2',
          command: 'sleep 20',
          timeoutSeconds: 1,
        }),
      );
      expect(d.results[0]).toMatchObject({ status: 'timeout', exitCode: null });
      expect(d.results[0].durationMs).toBeLessThan(4_000);
    });

    it('bounds the call by its timeout when hosts queue behind maxConcurrency', async () => {
      const started = Date.now();
      const r = await call(operator, 'run_command', {
        hosts: ['node-1', 'node-2', 'node-3'],
        command: 'sleep 1.2',
        timeoutSeconds: 2,
        maxConcurrency: 1,
      });
      const d = data(r);
      // One host runs in full, the next gets what is left, the last never starts.
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(d.results.map((x: { status: string }) => x.status)).toEqual([
        'ok',
        'timeout',
        'timeout',
      ]);
      expect(d.results[2].reason).toMatch(/not started: the call's 2 s ran out/);
    });

    it('truncates output at the fleet maxOutputBytes, says how much there was and where the rest is', async () => {
      const r = await call(operator, 'run_command', {
        host: 'node-4',
        command: "printf '%04d\\n' {1..1000}",
      });
      const d = data(r);
      expect(d.results[0].truncated).toBe(true);
      expect(d.results[0].stdout).toHaveLength(2048);
      expect(d.results[0].outputBytes).toEqual({ stdout: 5000, stderr: 0 });
      expect(d).toMatchObject({ complete: true, jobId: expect.any(String) });
      expect(text(r)).toContain(
        `[output truncated: the job keeps 5000 bytes of stdout and 0 of stderr; call get_job with jobId "${d.jobId}", host, stream and offset 0 to read it all]`,
      );
      const page = data(
        await call(operator, 'get_job', {
          jobId: d.jobId,
          host: 'node-4',
          stream: 'stdout',
          offset: 0,
          limit: 8192,
        }),
      );
      expect(JSON.stringify(page)).toContain('0999\\n1000\\n');
    });

    it('reports broken hosts without delaying the healthy ones', async () => {
      const r = await call(operator, 'run_command', {
        hosts: ['node-5', 'dead', 'impostor', 'unpinned'],
        command: 'echo fine',
      });
      const d = data(r);
      const byHost = Object.fromEntries(d.results.map((x: any) => [x.host, x]));
      expect(byHost['node-5']).toMatchObject({ status: 'ok' });
      expect(byHost.dead).toMatchObject({ status: 'unreachable' });
      expect(byHost.impostor).toMatchObject({ status: 'hostkey_mismatch' });
      expect(byHost.unpinned.status).toBe('hostkey_mismatch');
      expect(byHost.unpinned.reason).toMatch(/no pinned hostKey/);
      // Same status, same (empty) output, different reasons: each host is given its own.
      expect(text(r)).toMatch(/impostor: host key mismatch/);
      expect(text(r)).toMatch(/unpinned: host "unpinned" has no pinned hostKey/);
    });

    it('scrubs a secret printed in two parts a second apart, in a job whose output is stored as it comes', async () => {
      const half = PASSPHRASE.length >> 1;
      const job = data(
        await call(operator, 'start_job', {
          host: 'locked',
          command: `printf '%s' '${PASSPHRASE.slice(0, half)}'; sleep 1.3; echo '${PASSPHRASE.slice(half)}'`,
        }),
      );
      let view = data(await call(operator, 'get_job', { jobId: job.id }));
      for (let i = 0; i < 50 && view.status !== 'completed'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        view = data(await call(operator, 'get_job', { jobId: job.id }));
      }
      expect(view.hosts[0].stdout.text).toBe('[REDACTED]\n');
    });

    it('scrubs configured secrets from output, audit and history', async () => {
      const d = data(
        await call(operator, 'run_command', { host: 'locked', command: `echo ${PASSPHRASE}` }),
      );
      expect(d.results[0]).toMatchObject({ status: 'ok', stdout: '[REDACTED]\n' });
      const history = await gw.gateway.deps.history.listByHost('locked', 5);
      // The item for this command is there, scrubbed (an empty history would pass vacuously).
      expect(history.map((h) => h.command)).toContain('echo [REDACTED]');
      expect(history.find((h) => h.command === 'echo [REDACTED]')?.stdout).toBe('[REDACTED]\n');
      expect(JSON.stringify(history)).not.toContain(PASSPHRASE);
      const recent = await gw.gateway.store.auditStore.range({ limit: 20, newestFirst: true });
      expect(JSON.stringify(recent)).not.toContain(PASSPHRASE);
    });
  });

  describe('audit and history', () => {
    it('writes intent before outcome for every run_command and keeps one history item per host', async () => {
      await call(operator, 'run_command', { tags: ['odd'], command: 'echo audited' });
      const records = await gw.gateway.store.auditStore.range({ limit: 10, newestFirst: true });
      const latest = records.find((r) => r.event.type === 'exec.outcome')!;
      const intent = records.find(
        (r) => r.event.type === 'exec.intent' && r.event.requestId === latest.event.requestId,
      )!;
      expect(intent.seq).toBeLessThan(latest.seq);
      expect(intent.event).toMatchObject({
        user: 'op',
        command: 'echo audited',
        targets: ['node-2', 'node-4'],
      });
      expect(latest.event.hosts?.map((h) => h.status)).toEqual(['ok', 'ok']);
      const history = await gw.gateway.deps.history.listByHost('node-4', 1);
      expect(history[0]).toMatchObject({
        command: 'echo audited',
        user: 'op',
        exitCode: 0,
        stdout: 'audited\n',
      });
    });

    it('records a call the input schema refuses, its oversized command cut and marked, never lost', async () => {
      const command = `echo ${'probe '.repeat(70_000)}${PASSPHRASE}`;
      const scrubbed = command.replace(PASSPHRASE, '[REDACTED]');
      const r = await call(operator, 'run_command', { host: 'node-1', command });
      expect(r.isError).toBe(true);
      expect(text(r)).toMatch(/^invalid arguments for run_command: command: .*16384/);
      const [record] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
      expect(record?.event).toMatchObject({
        type: 'tool.call',
        user: 'op',
        tool: 'run_command',
        outcome: 'INVALID_INPUT',
        command: command.slice(0, 16_384),
        cut: expect.stringContaining(`command: first 16384 of ${scrubbed.length} characters`),
      });
      // The whole command, scrubbed first, is identified by its hash.
      expect(record?.event.commandSha256).toBe(createHash('sha256').update(scrubbed).digest('hex'));
      expect(JSON.stringify(record)).not.toContain(PASSPHRASE);
    });

    it('records the command plan_command judged', async () => {
      const command = `uptime # plan-${Date.now()}`;
      await call(operator, 'plan_command', { host: 'node-1', command });
      const [record] = await gw.gateway.store.auditStore.range({ limit: 1, newestFirst: true });
      expect(record?.event).toMatchObject({
        type: 'tool.call',
        tool: 'plan_command',
        command,
        targets: ['node-1'],
        outcome: 'ok',
      });
    });

    it('keeps the hash chain intact under concurrent calls from several users', async () => {
      const clients = [admin, operator, evenOnly];
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => {
          const client = clients[i % clients.length]!;
          return i % 2
            ? call(client, 'run_command', { host: 'node-1', command: `echo ${i}` })
            : call(client, 'list_hosts');
        }),
      );
      const result = await gw.gateway.store.audit.verify();
      expect(result.ok).toBe(true);
      expect(result.records).toBeGreaterThan(60);
    });
  });
});
