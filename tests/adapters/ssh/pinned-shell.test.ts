import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NO_BASH_EXIT,
  NO_BASH_MESSAGE,
  octalEscape,
} from '../../../src/adapters/ssh/pinned-shell.js';
import { Ssh2Executor } from '../../../src/adapters/ssh/ssh2-executor.js';
import { ensureAccount, startSshFleet, type TestFleet } from '../../support/ssh-fleet.js';
import { targetFor } from '../../support/targets.js';
import { wrapperWithout } from '../../support/hidden-program.js';

const opts = { timeoutMs: 10_000, connectTimeoutMs: 5_000, maxOutputBytes: 65_536 };
const isRoot = process.getuid?.() === 0;

describe('the pinned shell', () => {
  let fleet: TestFleet;
  let ssh: Ssh2Executor;
  let dir: string;
  const marker = () => join(dir, 'bash-env-ran');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'smg-pinned-'));
    execFileSync('chmod', ['777', dir]);
    const bashEnv = join(dir, 'bash_env');
    writeFileSync(bashEnv, `touch ${marker()}\n`, { mode: 0o644 });
    // What a host's sshd or login may hand every session: start-up files and exported functions.
    fleet = await startSshFleet(1, {
      prefix: 'pinned',
      env: () => ({
        BASH_ENV: bashEnv,
        ENV: bashEnv,
        'BASH_FUNC_cat%%': '() { echo hijacked; }',
        LD_PRELOAD: '/nonexistent.so',
        SMG_LEAK: 'visible',
      }),
    });
    ssh = new Ssh2Executor({ poolIdleMs: 60_000 });
  });
  afterAll(async () => {
    await ssh?.close();
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (command: string, user?: string) => {
    const host = fleet.hosts[0];
    if (!host) throw new Error('no host');
    return ssh.exec(targetFor(fleet, host, user ? { user } : {}), command, opts);
  };

  it('runs the command under bash with only PATH, HOME and LC_ALL from outside', async () => {
    const out = await run('echo "$BASH_VERSION" >&2; env | sort');
    expect(out.stderr).toMatch(/^\d+\.\d+/);
    const names = out.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=')[0]);
    expect(names.filter((n) => !['PWD', 'SHLVL', '_'].includes(n ?? ''))).toEqual([
      'HOME',
      'LC_ALL',
      'PATH',
    ]);
    expect(out.stdout).toContain('PATH=/usr/sbin:/usr/bin:/sbin:/bin\n');
  });

  it("reads its input from /dev/null, so no nested bash takes sshd's socket for a network login", async () => {
    const out = await run('readlink /proc/$$/fd/0');
    expect(out.stdout).toBe('/dev/null\n');
  });

  it('ignores BASH_ENV and exported functions the session brings', async () => {
    const out = await run('cat /dev/null; echo done; type cat');
    expect(out.stdout).not.toContain('hijacked');
    expect(out.stdout).toMatch(/cat is (hashed \()?\/usr\/bin\/cat/);
    expect(existsSync(marker())).toBe(false);
  });

  it('parses what it runs as bash: (( )) is arithmetic and [[ ]] a test', async () => {
    const out = await run('((1 + 1 == 2)) && [[ a == a ]] && echo bash');
    expect(out).toMatchObject({ status: 'ok', stdout: 'bash\n' });
  });

  it('hands over every byte: quotes, backslashes, newlines, non-ASCII and trailing newlines', async () => {
    const command = `printf '%s|' 'a\\\\b' "q'q" $'t\\tt' ünï; printf 'x\\n\\n'\n\n`;
    const local = spawnSync('/bin/bash', [
      '--noprofile',
      '--norc',
      '-c',
      command,
    ]).stdout.toString();
    const out = await run(command);
    expect(out.stdout).toBe(local);
    expect(octalEscape(command)).toMatch(/^[A-Za-z0-9\\,._/:=@+-]*$/);
  });

  it('stops what a finished command left running in the background, and keeps its exit status', async () => {
    const tag = String(3000 + (process.pid % 1000));
    const out = await run(
      `sleep ${tag}.5 >/dev/null 2>&1 & nohup sleep ${tag}.6 >/dev/null 2>&1 & exit 3`,
    );
    expect(out).toMatchObject({ status: 'failed', exitCode: 3 });
    const left = spawnSync('pgrep', ['-f', `sleep ${tag}\\.[56]`]).stdout.toString();
    expect(left).toBe('');
    // bash does not wait for a process substitution either.
    expect((await run(`echo <(sleep ${tag}.7 >/dev/null)`)).status).toBe('ok');
    expect(spawnSync('pgrep', ['-f', `sleep ${tag}\\.7`]).stdout.toString()).toBe('');
  });

  it('refuses a command too long to hand over, saying so, instead of a cryptic exec failure', async () => {
    const out = await run(`echo ${'ü'.repeat(16_000)}`);
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/too long once encoded for the host .* nothing ran/);
  });

  it('refuses a login shell that is not POSIX sh, saying so, and runs nothing', async () => {
    if (!isRoot) throw new Error('this test creates an account: run the tests as root');
    ensureAccount('smg-pyshell', { shell: '/usr/bin/python3', home: '/var/lib/smg-pyshell' });
    const out = await run(`touch ${join(dir, 'ran')}`, 'smg-pyshell');
    expect(out.status).toBe('failed');
    expect(out.error).toMatch(/login shell did not run the gateway's POSIX sh wrapper/);
    expect(out.error).toMatch(/the shell said: .*SyntaxError/);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
  });

  it('takes no PID or state line a login’s start-up files print for its own (a planted smg-pid:1 would kill every process of the login)', async () => {
    if (!isRoot) throw new Error('this test creates an account: run the tests as root');
    const home = '/var/lib/smg-planted';
    ensureAccount('smg-planted', { shell: '/bin/bash', home });
    // bash started by sshd reads ~/.bashrc even to run a command.
    writeFileSync(join(home, '.bashrc'), 'echo smg-pid:1\necho "smg-spool: ended 0"\n');
    const target = targetFor(fleet, fleet.hosts[0]!, { user: 'smg-planted' });
    const long = ssh.exec(target, 'sleep 2.5; echo survived', opts);
    await new Promise((r) => setTimeout(r, 300));
    // Its timeout kills what it ran, by the real PID: the other command of the login lives on.
    const killed = await ssh.exec(target, 'sleep 5', { ...opts, timeoutMs: 1_000 });
    expect(killed.status).toBe('timeout');
    expect(await long).toMatchObject({ status: 'ok', stdout: 'survived\n' });
  });

  it('refuses a host without /bin/bash instead of running another shell', () => {
    const r = wrapperWithout('/usr/bin/bash', 'echo ran');
    expect(r.status).toBe(NO_BASH_EXIT);
    expect(r.stderr).toContain(NO_BASH_MESSAGE);
    expect(r.stdout).toBe('');
  });
});
