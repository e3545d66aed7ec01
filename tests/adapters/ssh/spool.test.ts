import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_BASH_EXIT, NO_TIMEOUT_MESSAGE } from '../../../src/adapters/ssh/pinned-shell.js';
import { Ssh2Executor } from '../../../src/adapters/ssh/ssh2-executor.js';
import type { SpoolRead } from '../../../src/core/ports.js';
import { ensureAccount, startSshFleet, type TestFleet } from '../../support/ssh-fleet.js';
import {
  wrapperOnFullDisk,
  wrapperOnSmallDisk,
  wrapperPidLine,
  wrapperWithout,
} from '../../support/hidden-program.js';
import { targetFor } from '../../support/targets.js';

const opts = { timeoutMs: 10_000, connectTimeoutMs: 5_000, maxOutputBytes: 65_536 };
const readOpts = { connectTimeoutMs: 5_000, timeoutMs: 5_000, maxBytes: 1 << 20 };
const isRoot = process.getuid?.() === 0;
const name = () => `t-${randomBytes(9).toString('base64url')}`;
const text = (read: SpoolRead) =>
  'stdout' in read
    ? { stdout: Buffer.from(read.stdout).toString(), stderr: Buffer.from(read.stderr).toString() }
    : read;

describe('the spool: a command kept on its host', () => {
  let fleet: TestFleet;
  let ssh: Ssh2Executor;
  const target = () => targetFor(fleet, fleet.hosts[0]!);

  beforeAll(async () => {
    fleet = await startSshFleet(1, { prefix: 'spool' });
    ssh = new Ssh2Executor({ poolIdleMs: 60_000 });
  });
  afterAll(async () => {
    await ssh?.close();
    await fleet?.stop();
  });

  const until = async (check: () => Promise<boolean>, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('keeps every byte of each stream and the exit status, read back from any offset', async () => {
    const spool = name();
    const out = await ssh.exec(target(), 'printf "one\\ntwo\\n"; printf "e1\\ne2\\n" >&2; exit 3', {
      ...opts,
      spool,
    });
    expect(out).toMatchObject({ status: 'failed', exitCode: 3, stdout: 'one\ntwo\n' });
    const all = await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts);
    expect(all).toMatchObject({ state: 'ended', exitCode: 3 });
    expect(text(all)).toEqual({ stdout: 'one\ntwo\n', stderr: 'e1\ne2\n' });
    const rest = await ssh.readSpool(target(), spool, { stdout: 4, stderr: 3 }, readOpts);
    expect(text(rest)).toEqual({ stdout: 'two\n', stderr: 'e2\n' });
    const page = await ssh.readSpool(
      target(),
      spool,
      { stdout: 0, stderr: 0 },
      {
        ...readOpts,
        maxBytes: 5,
      },
    );
    expect(text(page)).toEqual({ stdout: 'one\nt', stderr: 'e1\ne2' });
  });

  it('outlives the connection that started it, and another connection reads it to the end', async () => {
    const spool = name();
    const starter = new Ssh2Executor({ poolIdleMs: 60_000 });
    const started = starter.exec(
      target(),
      'for i in $(seq 1 8); do echo line $i; sleep 0.2; done; echo done >&2; exit 4',
      { ...opts, spool },
    );
    await until(
      async () =>
        (await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state ===
        'running',
    );
    // The starting gateway goes away mid-command (its connections close).
    await starter.close();
    expect((await started).status).toBe('unreachable');
    await until(
      async () =>
        (await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state ===
        'ended',
      8_000,
    );
    const end = await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts);
    expect(end).toMatchObject({ state: 'ended', exitCode: 4 });
    expect(text(end)).toEqual({
      stdout: Array.from({ length: 8 }, (_, i) => `line ${i + 1}\n`).join(''),
      stderr: 'done\n',
    });
  });

  it('stops a command from another connection: its processes are gone and it reads as dead', async () => {
    const spool = name();
    const tag = `${4000 + (process.pid % 1000)}.25`;
    const started = ssh.exec(target(), `sleep ${tag}`, { ...opts, spool });
    await until(
      async () =>
        (await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state ===
        'running',
    );
    const other = new Ssh2Executor({ poolIdleMs: 60_000 });
    try {
      await other.killSpool(target(), spool, { connectTimeoutMs: 5_000 });
    } finally {
      await other.close();
    }
    expect((await started).status).not.toBe('ok');
    expect(spawnSync('pgrep', ['-f', `sleep ${tag}`]).stdout.toString()).toBe('');
    expect((await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state).toBe(
      'dead',
    );
  });

  it('leaves no process behind after a short command, and removes forgotten spools with the next one', async () => {
    const spool = name();
    expect((await ssh.exec(target(), 'echo hi', { ...opts, spool })).stdout).toBe('hi\n');
    expect(spawnSync('pgrep', ['-f', spool]).stdout.toString()).toBe('');
    // With an idle timeout, its watcher goes too (a host idle of 37 + 5 s is checked every 8 s).
    const watched = await ssh.exec(target(), 'echo watched', { ...opts, idleTimeoutMs: 37_000 });
    expect(watched.stdout).toBe('watched\n');
    expect(spawnSync('pgrep', ['-x', '-f', 'sleep 8']).stdout.toString()).toBe('');
    expect((await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state).toBe(
      'ended',
    );
    ssh.forgetSpool(target(), spool);
    await ssh.exec(target(), 'true', opts);
    await until(
      async () =>
        (await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state === 'gone',
    );
  });

  it('removes a forgotten spool on its own when no command follows within a second', async () => {
    const spool = name();
    await ssh.exec(target(), 'echo once', { ...opts, spool });
    ssh.forgetSpool(target(), spool);
    await until(
      async () =>
        (await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state === 'gone',
      5_000,
    );
  });

  it('removes spool files older than its retention along with a removal of recorded ones', async () => {
    const dir = `/var/lib/${fleet.user}/.smg-spool`;
    await ssh.exec(target(), 'true', opts); // the login user's spool dir exists
    const old = `${dir}/${name()}.out`;
    const recent = `${dir}/${name()}.out`;
    writeFileSync(old, 'old');
    writeFileSync(recent, 'recent');
    // Two hours untouched, against a retention of one.
    utimesSync(old, new Date(Date.now() - 7_200_000), new Date(Date.now() - 7_200_000));
    const fresh = new Ssh2Executor({ poolIdleMs: 60_000, spoolRetentionMinutes: 60 });
    try {
      const spool = name();
      await fresh.exec(target(), 'true', { ...opts, spool });
      fresh.forgetSpool(target(), spool);
      await until(async () => !existsSync(old));
      expect(existsSync(recent)).toBe(true);
    } finally {
      await fresh.close();
      rmSync(recent, { force: true });
    }
  });

  it('refuses a spool name that exists, and runs nothing', async () => {
    const spool = name();
    await ssh.exec(target(), 'true', { ...opts, spool });
    const again = await ssh.exec(target(), 'echo ran', { ...opts, spool });
    expect(again).toMatchObject({ status: 'failed', stdout: '' });
    expect(again.error).toMatch(/was started on this host before/);
  });

  it('keeps no more of a stream than its limit, says the stream is cut, and the channel still gets every byte', async () => {
    const spool = name();
    const out = await ssh.exec(
      target(),
      "head -c 20000 /dev/zero | tr '\\0' a; echo short >&2; exit 6",
      { ...opts, spool, spoolBytes: 4096 },
    );
    expect(out).toMatchObject({ status: 'failed', exitCode: 6, stderr: 'short\n' });
    expect(out.stdout).toBe('a'.repeat(20_000));
    const read = await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts);
    expect(read).toMatchObject({ state: 'ended', exitCode: 6, cut: { stdout: true } });
    expect(read).not.toHaveProperty('cut.stderr');
    const kept = text(read) as { stdout: string; stderr: string };
    // 512-byte blocks under sh; a bash login counts KiB.
    expect(kept.stdout.length).toBeGreaterThanOrEqual(4096);
    expect(kept.stdout.length).toBeLessThanOrEqual(8192);
    expect(kept.stderr).toBe('short\n');
  });

  it('neither reads as running nor kills a process that took the PID of a command since (a reboot, a wrap)', async () => {
    const spool = name();
    const tag = `${4000 + (process.pid % 1000)}.75`;
    const started = ssh.exec(target(), `sleep ${tag}`, { ...opts, spool });
    await until(
      async () =>
        (await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state ===
        'running',
    );
    const pidFile = `/var/lib/${fleet.user}/.smg-spool/${spool}.pid`;
    const kept = readFileSync(pidFile, 'utf8');
    const [pid, start] = kept.trim().split(' ');
    expect(Number(start)).toBeGreaterThan(0);
    // The same PID, started at another time: another process.
    writeFileSync(pidFile, `${pid} ${Number(start) + 1}\n`);
    expect((await ssh.readSpool(target(), spool, { stdout: 0, stderr: 0 }, readOpts)).state).toBe(
      'dead',
    );
    await ssh.killSpool(target(), spool, { connectTimeoutMs: 5_000 });
    expect(spawnSync('pgrep', ['-f', `sleep ${tag}`]).stdout.toString()).not.toBe('');
    // Its own start time: the command's session, stopped.
    writeFileSync(pidFile, kept);
    await ssh.killSpool(target(), spool, { connectTimeoutMs: 5_000 });
    expect((await started).status).not.toBe('ok');
    expect(spawnSync('pgrep', ['-f', `sleep ${tag}`]).stdout.toString()).toBe('');
  });

  it('runs a command all the same on a host that cannot keep its spool, and says so', async () => {
    if (!isRoot) throw new Error('this test creates an account: run the tests as root');
    ensureAccount('smg-nospool', { shell: '/bin/sh', home: '/var/lib/smg-nospool' });
    // A home where the spool cannot be a directory.
    rmSync('/var/lib/smg-nospool/.smg-spool', { recursive: true, force: true });
    writeFileSync('/var/lib/smg-nospool/.smg-spool', 'not a directory\n');
    const nospool = targetFor(fleet, fleet.hosts[0]!, { user: 'smg-nospool' });
    const out = await ssh.exec(nospool, 'echo still ran; exit 2', opts);
    expect(out).toMatchObject({
      status: 'failed',
      exitCode: 2,
      stdout: 'still ran\n',
      unspooled: true,
    });
    expect((await ssh.exec(target(), 'true', opts)).unspooled).toBeUndefined();
  });

  it('keeps the exit status of a command whose output fills the disk while it runs', () => {
    // Room for the spool's start (its PID and status files), not for the output.
    const r = wrapperOnSmallDisk('seq 1 50000; exit 0', 16);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(wrapperPidLine());
    expect(r.stdout).toContain('\n50000\n');
    // No complaint of the supervisor's own in the command's stderr.
    expect(r.stderr.split('\n')[0]).toBe('');
    // Its status file says 0, written over the placeholder made at the start.
    expect(r.stderr).toMatch(/\n {3}0\n\n[^\n]*hidden-program-test\.status/);
  });

  it('keeps its idle watcher, sleeping, once it stops judging, so stopping it never meets a reused PID', async () => {
    const started = ssh.exec(target(), "head -c 3000 /dev/zero | tr '\\0' y; sleep 4.5", {
      ...opts,
      spoolBytes: 1000,
      // A host idle of 5 + 5 s, checked every 2 s: the full stdout file ends its judging.
      idleTimeoutMs: 5_000,
    });
    await new Promise((r) => setTimeout(r, 3_500));
    expect(spawnSync('pgrep', ['-x', '-f', 'sleep 2']).stdout.toString()).not.toBe('');
    expect(await started).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(spawnSync('pgrep', ['-x', '-f', 'sleep 2']).stdout.toString()).toBe('');
  }, 15_000);

  it('runs df on a host whose disk is full: no spool, and nothing left behind', () => {
    const r = wrapperOnFullDisk('df -P / >/dev/null && echo df ran; exit 4');
    expect(r.status).toBe(4);
    expect(r.stdout).toMatch(wrapperPidLine(true));
    expect(r.stdout).toContain('df ran\n');
    // The full spool holds only what filled it: no empty PID file of a command that has none.
    expect(r.stderr.trim().split('\n').at(-1)?.trim()).toBe('filler');
  });

  it('refuses a host without the timeout program, saying what it lacks', () => {
    const r = wrapperWithout('/usr/bin/timeout', 'echo ran');
    expect(r.status).toBe(NO_BASH_EXIT);
    expect(r.stderr).toContain(NO_TIMEOUT_MESSAGE);
    expect(r.stdout).toBe('');
  });

  it('creates the spool once when the first commands on a login start together', async () => {
    if (!isRoot) throw new Error('this test creates an account: run the tests as root');
    ensureAccount('smg-fresh', { shell: '/bin/sh', home: '/var/lib/smg-fresh' });
    rmSync('/var/lib/smg-fresh/.smg-spool', { recursive: true, force: true });
    const fresh = targetFor(fleet, fleet.hosts[0]!, { user: 'smg-fresh' });
    const outs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ssh.exec(fresh, `echo ${i}`, opts)),
    );
    expect(outs.map((o) => o.status)).toEqual(Array(8).fill('ok'));
  });

  it('reads an unknown spool name as gone', async () => {
    expect((await ssh.readSpool(target(), name(), { stdout: 0, stderr: 0 }, readOpts)).state).toBe(
      'gone',
    );
  });
});
