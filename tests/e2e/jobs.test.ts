import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startSshFleet, freePort, type TestFleet } from '../support/ssh-fleet.js';
import { fleetDocument, startGateway, type TestGateway } from '../support/gateway.js';
import { composeLocal } from '../../src/compose/local.js';
import { silentLogger } from '../../src/adapters/log/json-logger.js';
import { loadJob, viewJob } from '../../src/core/jobs/job-view.js';
import { cancelJob } from '../../src/core/jobs/job-control.js';
import { spoolName } from '../../src/core/run/spool-name.js';
import type { User } from '../../src/core/users/user.js';
import { API_KEY_IN_TEXT } from '../../src/core/users/api-key.js';
const apiKeyPattern = new RegExp(API_KEY_IN_TEXT);

describe('jobs end to end', () => {
  let fleet: TestFleet;
  let gw: TestGateway;
  let alice: Client;
  let bob: Client;
  const call = async (client: Client, name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = (r: CallToolResult) => {
    if (r.isError) throw new Error((r.content[0] as { text: string }).text);
    return r.structuredContent as Record<string, any>;
  };
  const until = async (check: () => Promise<boolean>, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** A finished job's stream read from offset 0 in pages of `limit`: the text and the page count. */
  const readAll = async (jobId: string, host: string, limit: number) => {
    await until(async () => data(await call(alice, 'get_job', { jobId })).status === 'completed');
    const total = data(await call(alice, 'get_job', { jobId })).hosts[0].bytes.stdout as number;
    let text = '';
    let pages = 0;
    for (let offset = 0; offset < total; pages++) {
      const page = data(
        await call(alice, 'get_job', { jobId, host, stream: 'stdout', offset, limit }),
      ).hosts[0].stdout;
      expect(page.offset).toBe(offset);
      expect(page.nextOffset).toBeGreaterThan(offset);
      text += page.text;
      offset = page.nextOffset;
    }
    return { text, pages, total };
  };

  beforeAll(async () => {
    fleet = await startSshFleet(10, { prefix: 'job' });
    gw = await startGateway(
      fleetDocument(fleet, {
        limits: { syncBudgetSeconds: 1.5, commandTimeoutSeconds: 30, maxConcurrency: 16 },
      }),
    );
    alice = await gw.client(
      await gw.user({
        name: 'alice',
        role: 'operator',
        policy: 'unrestricted',
        access: { tags: ['test'] },
      }),
    );
    bob = await gw.client(
      await gw.user({
        name: 'bob',
        role: 'operator',
        policy: 'unrestricted',
        access: { tags: ['test'] },
      }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await fleet?.stop();
  });

  it('start_job on ten hosts answers at once; polling gets every host’s output', async () => {
    const started = Date.now();
    const job = data(
      await call(alice, 'start_job', { tags: ['test'], command: 'sleep 2; echo done' }),
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(job).toMatchObject({ status: expect.stringMatching(/queued|running/), owner: 'alice' });
    expect(job.hosts).toHaveLength(10);
    await until(
      async () => data(await call(alice, 'get_job', { jobId: job.id })).status === 'completed',
    );
    const done = data(await call(alice, 'get_job', { jobId: job.id }));
    expect(done.summary).toMatchObject({ total: 10, ok: 10 });
    expect(done.hosts.every((h: any) => h.stdout.text === 'done\n' && h.exitCode === 0)).toBe(true);
    expect(
      (await gw.gateway.deps.history.listByHost('job-7', 5)).some(
        (e) => e.command === 'sleep 2; echo done',
      ),
    ).toBe(true);
  });

  it('run_command answers within the sync budget with a job id, and a later request picks up the result', async () => {
    const started = Date.now();
    const r = data(
      await call(alice, 'run_command', {
        hosts: ['job-1', 'job-2'],
        command: 'sleep 3; echo finished',
      }),
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(r).toMatchObject({ complete: false, jobId: expect.any(String) });
    expect(r.summary.running).toBe(2);
    await until(
      async () => data(await call(alice, 'get_job', { jobId: r.jobId })).status === 'completed',
    );
    const later = data(await call(alice, 'get_job', { jobId: r.jobId }));
    expect(later.hosts.map((h: any) => h.stdout.text)).toEqual(['finished\n', 'finished\n']);
  });

  it('keeps every byte of a run_command that outgrows its answer and then its budget, exactly once', async () => {
    // 108,894 bytes at once (past the answer's cap: the job is stored mid-run, what was held is
    // written), then a pause past the budget (handed over), then as much again.
    const r = data(
      await call(alice, 'run_command', {
        host: 'job-3',
        command: 'seq 1 20000; sleep 2; seq 20001 40000',
      }),
    );
    expect(r).toMatchObject({ complete: false, jobId: expect.any(String) });
    const { text } = await readAll(r.jobId, 'job-3', 65536);
    expect(text).toBe(Array.from({ length: 40000 }, (_, i) => `${i + 1}\n`).join(''));
  });

  it('a quick run_command is complete and carries no job id', async () => {
    const r = data(await call(alice, 'run_command', { host: 'job-3', command: 'echo quick' }));
    expect(r).toMatchObject({ complete: true });
    expect(r.jobId).toBeUndefined();
  });

  it('pages through output returning every byte exactly once, characters never split', async () => {
    const command = "seq 1 20000; printf 'héllo wörld ✓ 🚀\\n%.0s' $(seq 1 3000)";
    const job = data(await call(alice, 'start_job', { host: 'job-4', command }));
    const expected =
      Array.from({ length: 20000 }, (_, i) => `${i + 1}\n`).join('') +
      'héllo wörld ✓ 🚀\n'.repeat(3000);
    const { text, pages, total } = await readAll(job.id, 'job-4', 7001);
    expect(total).toBe(Buffer.byteLength(expected));
    expect(pages).toBeGreaterThan(20);
    expect(text).toBe(expected);
  });

  it('refuses a job past the user’s limit of running jobs, naming the limit, and takes one again once a job ends', async () => {
    const limited = await startGateway(
      fleetDocument(fleet, { limits: { maxJobsPerUser: 2, commandTimeoutSeconds: 30 } }),
    );
    try {
      const key = await limited.user({ name: 'lim', role: 'operator', access: { tags: ['test'] } });
      const lim = await limited.client(key);
      const first = data(await call(lim, 'start_job', { host: 'job-8', command: 'sleep 20' }));
      const second = data(await call(lim, 'start_job', { host: 'job-8', command: 'sleep 20' }));
      const third = await call(lim, 'start_job', { host: 'job-8', command: 'echo three' });
      expect(third.isError).toBe(true);
      expect(JSON.stringify(third.content)).toMatch(
        /2 jobs queued or running.*limits\.maxJobsPerUser.*cancel_job/,
      );
      await call(lim, 'cancel_job', { jobId: first.id });
      const again = data(await call(lim, 'start_job', { host: 'job-8', command: 'echo again' }));
      expect(again.id).toEqual(expect.any(String));
      await call(lim, 'cancel_job', { jobId: second.id });
    } finally {
      await limited.close();
    }
  });

  it('holds a user’s jobs to their SSH sessions: a job runs fewer hosts at once to fit, and none left refuses one, naming the limit', async () => {
    const limited = await startGateway(
      fleetDocument(fleet, { limits: { maxSessionsPerUser: 4, commandTimeoutSeconds: 30 } }),
    );
    try {
      const key = await limited.user({ name: 'ses', role: 'operator', access: { tags: ['test'] } });
      const ses = await limited.client(key);
      const started = Date.now();
      // Ten hosts, a second each: four at a time is three rounds.
      const wide = data(await call(ses, 'start_job', { tags: ['test'], command: 'sleep 1' }));
      const refused = await call(ses, 'start_job', { host: 'job-8', command: 'echo more' });
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toMatch(
        /hold 4 SSH sessions.*limits\.maxSessionsPerUser is 4.*cancel_job/,
      );
      await until(
        async () => data(await call(ses, 'get_job', { jobId: wide.id })).status === 'completed',
      );
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
      const done = data(await call(ses, 'get_job', { jobId: wide.id }));
      expect(done.summary).toMatchObject({ total: 10, ok: 10 });
      const again = data(await call(ses, 'start_job', { host: 'job-8', command: 'echo again' }));
      expect(again.id).toEqual(expect.any(String));
    } finally {
      await limited.close();
    }
  });

  it('reads 1 MB in pages while it is still being written: every byte exactly once', async () => {
    // About 1.1 MB over three seconds: 20 bursts of 3,000 numbered lines.
    const bursts = Array.from(
      { length: 20 },
      (_, i) => `seq -w ${i * 3000 + 1} ${i * 3000 + 3000} | sed 's/$/ ${'y'.repeat(10)}/'`,
    );
    const command = bursts.join('; sleep 0.15; ');
    // seq -w pads to the widest number of its own range.
    const expected = Array.from({ length: 20 }, (_, b) => {
      const last = b * 3000 + 3000;
      return Array.from(
        { length: 3000 },
        (_, i) =>
          `${String(b * 3000 + i + 1).padStart(String(last).length, '0')} ${'y'.repeat(10)}\n`,
      ).join('');
    }).join('');
    const job = data(await call(alice, 'start_job', { host: 'job-7', command }));
    let text = '';
    let offset = 0;
    let readWhileRunning = 0;
    for (let i = 0; i < 2000; i++) {
      const view = data(
        await call(alice, 'get_job', {
          jobId: job.id,
          host: 'job-7',
          stream: 'stdout',
          offset,
          limit: 48_000,
        }),
      );
      const page = view.hosts[0].stdout;
      expect(page.offset).toBe(offset);
      text += page.text;
      if (view.status === 'running' && page.nextOffset > offset) readWhileRunning++;
      offset = page.nextOffset;
      if (view.status !== 'running' && offset >= view.hosts[0].bytes.stdout) break;
      if (page.nextOffset === page.offset) await new Promise((r) => setTimeout(r, 50));
    }
    expect(Buffer.byteLength(expected)).toBeGreaterThan(1_000_000);
    expect(readWhileRunning).toBeGreaterThan(3);
    expect(text.length).toBe(expected.length);
    expect(text).toBe(expected);
  });

  it('cancel_job stops the job within about a second and kills the remote process, keeping the output so far', async () => {
    const marker = `smg-job-${process.pid}-${Date.now()}`;
    const job = data(
      await call(alice, 'start_job', {
        hosts: ['job-5', 'job-6'],
        command: `echo started; sh -c 'sleep 60; echo ${marker}'`,
      }),
    );
    await until(async () =>
      data(await call(alice, 'get_job', { jobId: job.id })).hosts.every(
        (h: any) => h.bytes.stdout > 0,
      ),
    );
    const t0 = Date.now();
    const cancelled = data(await call(alice, 'cancel_job', { jobId: job.id }));
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.hosts.map((h: any) => [h.status, h.stdout?.text])).toEqual([
      ['cancelled', 'started\n'],
      ['cancelled', 'started\n'],
    ]);
    const ps = data(
      await call(alice, 'run_command', {
        hosts: ['job-5', 'job-6'],
        command: `ps -eo args | grep -c '[s]leep 60; echo ${marker}' || true`,
      }),
    );
    expect(ps.groups[0]).toMatchObject({ stdout: '0\n', hosts: ['job-5', 'job-6'] });
  });

  it('the idle timeout fires on a silent command and not on a chatty one', async () => {
    const silent = data(
      await call(alice, 'start_job', {
        host: 'job-7',
        command: 'echo hi; sleep 10',
        idleTimeoutSeconds: 1,
      }),
    );
    const chatty = data(
      await call(alice, 'start_job', {
        host: 'job-8',
        command:
          'echo 1; sleep 0.4; echo 2; sleep 0.4; echo 3; sleep 0.4; echo 4; sleep 0.4; echo 5',
        idleTimeoutSeconds: 1,
      }),
    );
    await until(async () =>
      (
        await Promise.all(
          [silent.id, chatty.id].map(
            async (id) => data(await call(alice, 'get_job', { jobId: id })).status,
          ),
        )
      ).every((s) => s === 'completed'),
    );
    const s = data(await call(alice, 'get_job', { jobId: silent.id })).hosts[0];
    expect(s).toMatchObject({ status: 'timeout', reason: expect.stringMatching(/idle timeout/) });
    expect(s.durationMs).toBeLessThan(4_000);
    expect(data(await call(alice, 'get_job', { jobId: chatty.id })).hosts[0]).toMatchObject({
      status: 'ok',
      exitCode: 0,
    });
  });

  it('keeps other users out: their jobs look like missing ones', async () => {
    const job = data(await call(alice, 'start_job', { host: 'job-9', command: 'echo mine' }));
    for (const tool of ['get_job', 'cancel_job']) {
      const r = await call(bob, tool, { jobId: job.id });
      expect(r.isError).toBe(true);
      expect((r.content[0] as { text: string }).text).toBe(
        `unknown job "${job.id}"; list_jobs shows yours`,
      );
    }
    expect(data(await call(bob, 'list_jobs', {})).jobs.map((j: any) => j.id)).not.toContain(job.id);
    expect(data(await call(alice, 'list_jobs', {})).jobs.map((j: any) => j.id)).toContain(job.id);
  });

  it('survives kill -9 of its gateway: a new gateway reports the job completed with its exit code and every byte; a job whose processes died on the host is lost', async () => {
    // A real gateway process runs the jobs; kill -9 it two seconds in; a new gateway on the same
    // data reads each job back from its host.
    const dir = mkdtempSync(join(tmpdir(), 'smg-lost-'));
    const config = join(dir, 'fleet.yaml');
    writeFileSync(config, stringify(fleetDocument(fleet)));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        resolve('bin/ssh-mcp-gateway.js'),
        'serve',
        '--config',
        config,
        '--data',
        join(dir, 'data'),
        '--port',
        String(port),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1} ${'x'.repeat(100)}\n`);
    try {
      await until(async () => /Connect an MCP client/.test(out), 20_000);
      // Output is not a terminal: the first admin key is in a file whose path is printed.
      const keyFile = /API key is in (\S+) /.exec(out)![1]!;
      const key = apiKeyPattern.exec(readFileSync(keyFile, 'utf8'))![0];
      const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
      const { StreamableHTTPClientTransport } =
        await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      const admin = new Client({ name: 't', version: '1' });
      await admin.connect(
        new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
          requestInit: { headers: { Authorization: `Bearer ${key}` } },
        }),
      );
      // Ten seconds of output, some stderr at the end, and an exit status of its own.
      const job = data(
        await call(admin, 'start_job', {
          host: 'job-10',
          command: `${Array.from(
            { length: 10 },
            (_, i) =>
              `${lines
                .slice(i * 5, i * 5 + 5)
                .map((l) => `echo ${l.trim()}`)
                .join('; ')}; sleep 1`,
          ).join('; ')}; echo the end >&2; exit 7`,
        }),
      );
      const tag = `${5000 + (process.pid % 1000)}.5`;
      const doomed = data(
        await call(admin, 'start_job', { host: 'job-10', command: `echo begun; sleep ${tag}` }),
      );
      const cancelTag = `${6000 + (process.pid % 1000)}.5`;
      const cancelled = data(
        await call(admin, 'start_job', { host: 'job-10', command: `sleep ${cancelTag}` }),
      );
      await until(
        async () => data(await call(admin, 'get_job', { jobId: job.id })).hosts[0].bytes.stdout > 0,
      );
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // The second job's processes die on the host too (as in a reboot): its session, by the PID
      // its spool keeps.
      const pidFile = `/var/lib/smg-test/.smg-spool/${spoolName(doomed.id, 'job-10')}.pid`;
      const sid = readFileSync(pidFile, 'utf8').split(' ')[0]!.trim();
      spawnSync('pkill', ['-KILL', '-s', sid]);

      // The next gateway looks a minute later: long past the runner's last heartbeat.
      const later = { now: () => new Date(Date.now() + 60_000) };
      const next = await composeLocal({
        configPath: config,
        store: { kind: 'embedded', dataDir: join(dir, 'data') },
        logger: silentLogger,
        clock: later,
      });
      try {
        const adminUser = (await next.deps.users.getUser('admin')) as User;
        const look = async (id: string) =>
          viewJob(next.deps, await loadJob(next.deps, adminUser, id), { offset: 0, limit: 65_536 });
        // While the command still runs, the new gateway reads what it has printed so far.
        const early = await look(job.id);
        expect(early.status).toBe('running');
        expect(early.hosts[0]!.stdout!.text).toMatch(/^line 1 x+\n/);
        await until(async () => (await look(job.id)).status === 'completed', 20_000);
        const view = await look(job.id);
        expect(view.hosts[0]).toMatchObject({ status: 'failed', exitCode: 7 });
        expect(view.hosts[0]!.stdout!.text).toBe(lines.join(''));
        expect(view.hosts[0]!.stderr!.text).toBe('the end\n');
        // Its end is recorded once: one exec.outcome, one history item.
        const outcomes = (await next.store.auditStore.range({ limit: 500 })).filter(
          (r) => r.event.type === 'exec.outcome' && r.event.detail === `job ${job.id}`,
        );
        expect(outcomes).toHaveLength(1);
        expect(outcomes[0]!.event.outcome).toMatch(/^completed; failed:1/);
        await look(job.id);
        const requestId = outcomes[0]!.event.requestId;
        expect(
          (await next.deps.history.listByHost('job-10', 50)).filter(
            (h) => h.requestId === requestId,
          ),
        ).toHaveLength(1);

        // A cancel with nobody running the job: the process group is killed over SSH.
        expect(spawnSync('pgrep', ['-f', `sleep ${cancelTag}`]).stdout.toString()).not.toBe('');
        await cancelJob(next.deps, adminUser, cancelled.id);
        const stopped = await look(cancelled.id);
        expect(stopped.status).toBe('cancelled');
        expect(stopped.hosts[0]).toMatchObject({ status: 'cancelled' });
        expect(spawnSync('pgrep', ['-f', `sleep ${cancelTag}`]).stdout.toString()).toBe('');

        const lost = await look(doomed.id);
        expect(lost.status).toBe('completed');
        expect(lost.hosts[0]).toMatchObject({
          status: 'lost',
          reason: expect.stringMatching(/processes on the host are gone/),
          stdout: { text: 'begun\n' },
        });
      } finally {
        await next.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
