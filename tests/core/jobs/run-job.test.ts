import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { composeLocal, type LocalGateway } from '../../../src/compose/local.js';
import { silentLogger } from '../../../src/adapters/log/json-logger.js';
import { runCommand } from '../../../src/core/run/run-command.js';
import type { RunInput } from '../../../src/core/run/decide.js';
import { InProcessDispatcher } from '../../../src/core/jobs/in-process-dispatcher.js';
import { runJob } from '../../../src/core/jobs/run-job.js';
import { loadJob, viewJob } from '../../../src/core/jobs/job-view.js';
import { sweepEvery } from '../../../src/core/jobs/take-over.js';
import { HISTORY_NOT_STORED } from '../../../src/core/run/outcome.js';
import { DynamoHistoryStore } from '../../../src/adapters/dynamo/dynamo-history-store.js';
import { DynamoJobStore } from '../../../src/adapters/dynamo/dynamo-job-store.js';
import { documentClient } from '../../../src/adapters/dynamo/document-client.js';
import { recordingLogger } from '../../support/logger.js';
import type { CoreDeps } from '../../../src/core/deps.js';
import type { User } from '../../../src/core/users/user.js';
import { ensureAccount, startSshFleet, type TestFleet } from '../../support/ssh-fleet.js';
import { LOST_AFTER_MS } from '../../../src/core/run/supervise.js';
import { fleetDocument } from '../../support/gateway.js';
import { adminFixture, movableClock } from '../../support/fixtures.js';

/** Deps whose executor does `before` ahead of every read of a host's spool. */
const beforeEachRead = (deps: CoreDeps, before: () => Promise<void>): CoreDeps => {
  const ssh = deps.ssh;
  return {
    ...deps,
    ssh: {
      exec: (...a) => ssh.exec(...a),
      probe: (...a) => ssh.probe(...a),
      readSpool: async (...a) => {
        await before();
        return ssh.readSpool(...a);
      },
      killSpool: (...a) => ssh.killSpool(...a),
      forgetSpool: (...a) => ssh.forgetSpool(...a),
      close: () => ssh.close(),
    },
  };
};

/** As on Lambda: work after the answer does not run, so the dispatcher lets it go. */
const lettingGo = (deps: CoreDeps): CoreDeps => ({
  ...deps,
  dispatcher: { ...deps.dispatcher, adopt: (_id, work) => work.release() },
});

describe('runJob', () => {
  let fleet: TestFleet;
  let gateway: LocalGateway;
  let dir: string;
  const admin: User = adminFixture();

  /** Runs `input` as admin with 6 s left in its invocation: the call lets go after about one. */
  const runLettingGo = async (deps: CoreDeps, input: RunInput, requestId: string) =>
    runCommand(deps, await deps.fleet.current(), admin, input, {
      requestId,
      runUntil: Date.now() + 6_000,
    });

  beforeAll(async () => {
    fleet = await startSshFleet(3, { prefix: 'rj' });
    dir = mkdtempSync(join(tmpdir(), 'smg-rj-'));
    writeFileSync(join(dir, 'fleet.yaml'), stringify(fleetDocument(fleet)));
    gateway = await composeLocal({
      configPath: join(dir, 'fleet.yaml'),
      store: { kind: 'memory' },
      logger: silentLogger,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets go of a command before its invocation ends: the command goes on on its host, and the next reader records its end', async () => {
    const deps = lettingGo(gateway.deps);
    const started = Date.now();
    const result = await runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      { host: 'rj-1', command: 'sleep 4; echo finished; exit 3' },
      // An invocation with 6 s left: the call answers 5 s before its end.
      { requestId: 'req-let-go', runUntil: Date.now() + 6_000 },
    );
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ complete: false, jobId: expect.any(String) });
    expect(result.results[0]).toMatchObject({ status: 'running' });
    // Nobody runs it here any more; whoever reads it takes it over, and records the end once.
    let view = await loadJob(deps, admin, result.jobId!);
    for (let i = 0; i < 100 && view.job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await loadJob(deps, admin, result.jobId!);
    }
    expect(view.job.status).toBe('completed');
    expect(view.hosts[0]).toMatchObject({ status: 'failed', exitCode: 3 });
    const page = await viewJob(deps, view, { offset: 0 });
    expect(page.hosts[0]!.stdout!.text).toBe('finished\n');
    const outcomes = (
      await gateway.store.auditStore.range({ limit: 50, newestFirst: true })
    ).filter((r) => r.event.type === 'exec.outcome' && r.event.requestId === 'req-let-go');
    expect(outcomes.map((r) => r.event.outcome)).toEqual(['completed; failed:1']);
  });

  it('lets one reader at a time read a taken-over job’s hosts, and the next take over at once after it', async () => {
    const deps = lettingGo(gateway.deps);
    const result = await runLettingGo(
      deps,
      { host: 'rj-1', command: 'sleep 3; echo done' },
      'req-one-reader',
    );
    expect(result.complete).toBe(false);
    // Every read of the host takes half a second here, and is counted.
    let reads = 0;
    const slow = beforeEachRead(deps, async () => {
      reads++;
      await new Promise((r) => setTimeout(r, 500));
    });
    const first = loadJob(slow, admin, result.jobId!);
    await new Promise((r) => setTimeout(r, 200));
    // The first reader holds the job: the second shows what is stored and reads no host.
    expect((await loadJob(slow, admin, result.jobId!)).job.status).toBe('running');
    expect(reads).toBe(1);
    expect((await first).job.status).toBe('running');
    // Done reading, it gave the job up: the next reader takes over at once.
    await loadJob(slow, admin, result.jobId!);
    expect(reads).toBe(2);
    let view = await loadJob(deps, admin, result.jobId!);
    for (let i = 0; i < 60 && view.job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await loadJob(deps, admin, result.jobId!);
    }
    expect(view.hosts[0]).toMatchObject({ status: 'ok', exitCode: 0 });
  });

  it('keeps its claim fresh while a long take-over reads, so no second reader starts meanwhile', async () => {
    const deps = lettingGo(gateway.deps);
    const result = await runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      // 1.3 MB printed after the call let go: several pages for the reader.
      { host: 'rj-3', command: 'sleep 1.2; seq 1 200000; sleep 1' },
      { requestId: 'req-renew', runUntil: Date.now() + 6_000 },
    );
    expect(result.complete).toBe(false);
    await new Promise((r) => setTimeout(r, 1_000));
    // Each read of the host seems to take 20 s here: the claim must be renewed between them.
    const clock = movableClock();
    const heartbeats: (string | undefined)[] = [];
    const reader = beforeEachRead({ ...deps, clock }, async () => {
      heartbeats.push((await deps.jobs.getRecord(result.jobId!))?.heartbeatAt);
      clock.advance(20_000);
    });
    await loadJob(reader, admin, result.jobId!);
    expect(heartbeats.length).toBeGreaterThanOrEqual(3);
    expect(new Set(heartbeats.slice(1)).size).toBe(heartbeats.length - 1);
    // Renewed claims lie ahead of the reader's clock, fresh for a minute.
    const last = Date.parse(heartbeats.at(-1)!);
    expect(last).toBeGreaterThan(clock.now().getTime() - LOST_AFTER_MS);
  });

  it('stops a let-go command still running long past its time (something outside its group kept its output open), saying so', async () => {
    const deps = lettingGo(gateway.deps);
    const tag = `${6000 + (process.pid % 1000)}.625`;
    const result = await runLettingGo(
      deps,
      { host: 'rj-2', command: `setsid sleep ${tag} & sleep 2`, timeoutSeconds: 3 },
      'req-overtime',
    );
    expect(result.complete).toBe(false);
    try {
      // Ten seconds on, its host's timeout has ended bash, but the detached sleep holds the output.
      await new Promise((r) => setTimeout(r, 10_000));
      const later = { ...deps, clock: { now: () => new Date(Date.now() + 120_000) } };
      const view = await loadJob(later, admin, result.jobId!);
      expect(view.hosts[0]).toMatchObject({
        status: 'timeout',
        reason: expect.stringMatching(
          /still running on the host \d+ s past its time .* its session was stopped/,
        ),
      });
    } finally {
      spawnSync('pkill', ['-f', `sleep ${tag}`]);
    }
  }, 30_000);

  it('takes over a job whose output passed its cap: the rest is dropped, and the take-over ends', async () => {
    writeFileSync(
      join(dir, 'capped.yaml'),
      stringify(fleetDocument(fleet, { limits: { jobOutputBytes: 65_536 } })),
    );
    const capped = await composeLocal({
      configPath: join(dir, 'capped.yaml'),
      store: { kind: 'memory' },
      logger: silentLogger,
    });
    try {
      const deps = lettingGo(capped.deps);
      // 2.6 MB printed after the call let go: ten pages of the host's copy, all past the cap.
      const result = await runLettingGo(
        deps,
        { host: 'rj-2', command: 'sleep 1.5; seq 1 400000' },
        'req-capped',
      );
      expect(result.complete).toBe(false);
      await new Promise((r) => setTimeout(r, 2_500));
      const view = await loadJob(deps, admin, result.jobId!);
      expect(view.job.status).toBe('completed');
      expect(view.hosts[0]).toMatchObject({ status: 'ok', truncated: true });
      expect(view.hosts[0]!.bytes.stdout).toBeLessThanOrEqual(65_536);
      expect(view.hosts[0]!.bytes.stdout).toBeGreaterThan(60_000);
    } finally {
      await capped.close();
    }
  });

  it('keeps the end a let-go command reached by itself when a cancel comes after it', async () => {
    const deps = lettingGo(gateway.deps);
    const result = await runLettingGo(
      deps,
      { host: 'rj-2', command: 'sleep 1.5; echo done' },
      'req-late-cancel',
    );
    expect(result.complete).toBe(false);
    await new Promise((r) => setTimeout(r, 1_500));
    // Ended on its host, not yet recorded, when a cancel is asked for (as cancel_job does on a job
    // another process runs): the reader finds nothing left to stop.
    await deps.jobs.update(result.jobId!, { cancelRequested: true }, { status: ['running'] });
    const view = await loadJob(deps, admin, result.jobId!);
    expect(view.hosts[0]).toMatchObject({ status: 'ok', exitCode: 0 });
  });

  it('beats for a run_command stored early (its output outgrew the answer) while it still runs within its budget', async () => {
    const started = Date.now();
    const running = runCommand(
      gateway.deps,
      await gateway.deps.fleet.current(),
      admin,
      // 188 KB at once (more than the answer carries: the job is stored), then 7 s more.
      { host: 'rj-1', command: 'seq 1 30000; sleep 7' },
      { requestId: 'req-beat' },
    );
    // Between two heartbeats, after the first: a reader must not see the runner as gone.
    await new Promise((r) => setTimeout(r, 6_500));
    const jobs = await gateway.deps.jobs.list({ limit: 20 });
    const job = jobs.find((j) => j.requestId === 'req-beat');
    expect(job?.status).toBe('running');
    expect(Date.parse(job!.heartbeatAt!) - started).toBeGreaterThan(4_000);
    await running;
  });

  it('kills on its host a let-go command that prints nothing for its idle timeout, and the next reader says so', async () => {
    const deps = lettingGo(gateway.deps);
    const tag = `${5000 + (process.pid % 1000)}.125`;
    const result = await runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      { host: 'rj-1', command: `echo begun; sleep ${tag}`, idleTimeoutSeconds: 2 },
      // Let go after a second, before the gateway's own idle timer would fire.
      { requestId: 'req-idle', runUntil: Date.now() + 6_000 },
    );
    expect(result.complete).toBe(false);
    let view = await loadJob(deps, admin, result.jobId!);
    for (let i = 0; i < 150 && view.job.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      view = await loadJob(deps, admin, result.jobId!);
    }
    expect(view.hosts[0]).toMatchObject({
      status: 'timeout',
      reason: expect.stringMatching(
        /printed nothing for 2 s \(idle timeout\) and was killed on the host/,
      ),
    });
    expect(spawnSync('pgrep', ['-f', `sleep ${tag}`]).stdout.toString()).toBe('');
  }, 30_000);

  it('finishes a let-go job nobody asks about: the serving gateway’s sweep records its end', async () => {
    const deps = lettingGo(gateway.deps);
    const result = await runLettingGo(
      deps,
      { host: 'rj-2', command: 'sleep 2; echo swept' },
      'req-swept',
    );
    expect(result.complete).toBe(false);
    const stop = sweepEvery(gateway.deps, 200, { firstAfterMs: 0 });
    try {
      let job = await gateway.deps.jobs.get(result.jobId!);
      for (let i = 0; i < 60 && job?.job.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 100));
        job = await gateway.deps.jobs.get(result.jobId!);
      }
      expect(job?.job.status).toBe('completed');
      expect(job?.hosts[0]).toMatchObject({ status: 'ok', exitCode: 0 });
    } finally {
      stop();
    }
  });

  it('reads a command back from its host when the connection drops mid-command: every byte, its exit status, and what happened', async () => {
    const deps = gateway.deps;
    const expected = Array.from({ length: 30 }, (_, i) => `line ${i + 1}\n`).join('');
    const running = runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      {
        host: 'rj-3',
        command: `seq 1 10 | sed 's/^/line /'; sleep 1.5; seq 11 30 | sed 's/^/line /'; exit 5`,
      },
      { requestId: 'req-cut' },
    );
    await new Promise((r) => setTimeout(r, 700));
    // The sshd processes of the open connection die; the command's own processes go on.
    fleet.cutConnections('rj-3');
    const result = await running;
    expect(result.results[0]).toMatchObject({
      status: 'failed',
      exitCode: 5,
      stdout: expected,
      reason: expect.stringMatching(/connection dropped .* read back from the host/),
    });
  });

  /** A gateway whose one host, rj-nospool, logs in as a user whose home cannot hold a spool. */
  const noSpoolGateway = async (): Promise<LocalGateway> => {
    if (process.getuid?.() !== 0) throw new Error('this test creates an account: run as root');
    ensureAccount('smg-nospool', { shell: '/bin/sh', home: '/var/lib/smg-nospool' });
    rmSync('/var/lib/smg-nospool/.smg-spool', { recursive: true, force: true });
    writeFileSync('/var/lib/smg-nospool/.smg-spool', 'not a directory\n');
    const host = fleet.hosts[2]!;
    writeFileSync(
      join(dir, 'nospool.yaml'),
      stringify(
        fleetDocument(fleet, {
          hosts: [
            {
              name: 'rj-nospool',
              address: host.address,
              port: host.port,
              user: 'smg-nospool',
              credential: 'test',
              hostKey: host.hostKeyFingerprint,
            },
          ],
        }),
      ),
    );
    return composeLocal({
      configPath: join(dir, 'nospool.yaml'),
      store: { kind: 'memory' },
      logger: silentLogger,
    });
  };

  it('says a command is lost, and why, when its connection drops on a host that could keep no spool', async () => {
    const nospool = await noSpoolGateway();
    try {
      const running = runCommand(
        nospool.deps,
        await nospool.deps.fleet.current(),
        admin,
        { host: 'rj-nospool', command: 'echo begun; sleep 2; echo unseen' },
        { requestId: 'req-nospool' },
      );
      await new Promise((r) => setTimeout(r, 700));
      fleet.cutConnections(fleet.hosts[2]!.name);
      const result = await running;
      expect(result.results[0]).toMatchObject({
        status: 'unreachable',
        stdout: 'begun\n',
        reason: expect.stringMatching(/no room for this command's spool/),
      });
    } finally {
      await nospool.close();
    }
  });

  it('stops a let-go command on a host that keeps no spool (nothing could follow or stop it after), saying so', async () => {
    const nospool = await noSpoolGateway();
    const tag = `${5000 + (process.pid % 1000)}.375`;
    try {
      const result = await runLettingGo(
        lettingGo(nospool.deps),
        { host: 'rj-nospool', command: `echo begun; sleep ${tag}` },
        'req-nospool-let-go',
      );
      expect(result.results[0]).toMatchObject({
        status: 'unreachable',
        reason: expect.stringMatching(/kept no spool .* so the command was stopped/),
      });
      expect(spawnSync('pgrep', ['-f', `sleep ${tag}`]).stdout.toString()).toBe('');
    } finally {
      await nospool.close();
    }
  });

  it('says a command is lost when its host restarts sshd and takes the session with it', async () => {
    const deps = gateway.deps;
    const running = runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      { host: 'rj-3', command: 'echo begun; sleep 3; echo never' },
      { requestId: 'req-restart' },
    );
    await new Promise((r) => setTimeout(r, 700));
    await fleet.stopHost('rj-3');
    await fleet.startHost('rj-3');
    const result = await running;
    expect(result.results[0]).toMatchObject({
      status: 'unreachable',
      stdout: 'begun\n',
      reason: expect.stringMatching(/processes on the host are gone with no exit status/),
    });
  });

  it('turns one host’s unexpected failure into that host’s outcome while the others finish', async () => {
    const real = gateway.deps.ssh;
    // The real executor, made to throw for one host: a fault no real sshd produces on demand.
    const ssh: CoreDeps['ssh'] = {
      exec: (target, command, options) =>
        target.host.name === 'rj-2'
          ? Promise.reject(new Error('injected'))
          : real.exec(target, command, options),
      probe: (target, options) => real.probe(target, options),
      readSpool: (...args) => real.readSpool(...args),
      killSpool: (...args) => real.killSpool(...args),
      forgetSpool: (...args) => real.forgetSpool(...args),
      close: () => real.close(),
    };
    // The runner must use these deps too, so it gets a dispatcher of its own.
    const deps: CoreDeps = {
      ...gateway.deps,
      ssh,
      dispatcher: new InProcessDispatcher(
        (id, signal, stored) =>
          runJob(deps, id, { runner: 'test', signal, ...(stored ? { stored } : {}) }),
        silentLogger,
      ),
    };
    const fleetNow = await deps.fleet.current();
    const result = await runCommand(
      deps,
      fleetNow,
      admin,
      { tags: ['test'], command: 'echo fine' },
      { requestId: 'req-fault' },
    );
    expect(result.complete).toBe(true);
    const byHost = Object.fromEntries(result.results.map((r) => [r.host, r]));
    expect(byHost['rj-1']).toMatchObject({ status: 'ok' });
    expect(byHost['rj-3']).toMatchObject({ status: 'ok' });
    expect(byHost['rj-2']).toMatchObject({
      status: 'unreachable',
      reason: expect.stringMatching(/gateway failed while running this host/),
    });
    const outcome = (await gateway.store.auditStore.range({ limit: 5, newestFirst: true })).find(
      (r) => r.event.type === 'exec.outcome' && r.event.requestId === 'req-fault',
    );
    expect(outcome?.event.outcome).toMatch(/^completed;/);
  });

  it('says on the host’s outcome, in the log, as a metric and in the audit outcome when its history item could not be stored', async () => {
    const { logger, lines } = recordingLogger();
    // A real history store whose table does not exist: DynamoDB itself refuses the write.
    const history = new DynamoHistoryStore(documentClient(gateway.store.dynamo), 'no-such-history');
    const deps: CoreDeps = {
      ...gateway.deps,
      history,
      logger,
      dispatcher: new InProcessDispatcher(
        (id, signal, stored) =>
          runJob(deps, id, { runner: 'test', signal, ...(stored ? { stored } : {}) }),
        logger,
      ),
    };
    const result = await runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      { host: 'rj-1', command: 'echo kept' },
      { requestId: 'req-history' },
    );
    expect(result.results[0]).toMatchObject({
      status: 'ok',
      stdout: 'kept\n',
      reason: HISTORY_NOT_STORED,
    });
    expect(lines.filter((l) => l.level !== 'info').map((l) => [l.level, l.message])).toEqual([
      ['error', 'history write failed'],
      ['metric', 'HistoryWriteFailures'],
    ]);
    // The audit outcome is written beside the history item; the missing item is recorded after.
    const records = (await gateway.store.auditStore.range({ limit: 5, newestFirst: true })).filter(
      (r) => r.event.requestId === 'req-history',
    );
    expect(records.map((r) => [r.event.type, r.event.outcome])).toEqual([
      ['exec.history-missing', 'history not stored for rj-1'],
      ['exec.outcome', 'completed; ok:1'],
      ['exec.intent', undefined],
    ]);
  });

  it('answers with every host, and records the outcome, when the job it must store cannot be', async () => {
    const { logger, lines } = recordingLogger();
    // A real job store whose table does not exist: DynamoDB itself refuses the job.
    const jobs = new DynamoJobStore(documentClient(gateway.store.dynamo), 'no-such-jobs');
    const deps: CoreDeps = { ...gateway.deps, jobs, logger };
    // 108,894 bytes: more than the answer carries, so the job must be stored — and cannot be.
    const result = await runCommand(
      deps,
      await deps.fleet.current(),
      admin,
      { host: 'rj-3', command: 'seq 1 20000' },
      { requestId: 'req-unstored' },
    );
    expect(result).toMatchObject({ complete: true });
    expect(result.jobId).toBeUndefined();
    expect(result.results[0]).toMatchObject({ status: 'ok', exitCode: 0, truncated: true });
    expect(lines.map((l) => l.message)).toContain(
      'run_command could not store its job; the answer waits for its hosts',
    );
    const outcome = (await gateway.store.auditStore.range({ limit: 5, newestFirst: true })).find(
      (r) => r.event.type === 'exec.outcome' && r.event.requestId === 'req-unstored',
    );
    expect(outcome?.event.outcome).toBe('completed; ok:1');
  });
});
