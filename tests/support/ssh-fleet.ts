import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p)) ?? 'sshd';

export interface TestHost {
  readonly name: string;
  readonly address: string;
  port: number;
  readonly hostKeyFingerprint: string;
  readonly dir: string;
  /** Environment sshd gives every session on this host (SetEnv). */
  readonly env: Record<string, string>;
  process?: ChildProcess;
}

export interface TestFleet {
  readonly dir: string;
  readonly user: string;
  /** PEM of the key every test host accepts. */
  readonly clientKey: string;
  readonly clientKeyFile: string;
  readonly hosts: TestHost[];
  /** Kills the host's sshd and every session process: open connections die with it. */
  stopHost(name: string): Promise<void>;
  /**
   * Kills only the root-side monitor of each open session. The unprivileged per-connection sshd
   * keeps the TCP connection up, but it can no longer start commands: a half-dead connection.
   */
  killSessionMonitors(name: string): void;
  /**
   * Kills every sshd process serving an open connection to the host — the listener stays — and
   * leaves the commands of those sessions running: a connection cut mid-command.
   */
  cutConnections(name: string): void;
  startHost(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function keygen(file: string, passphrase = ''): void {
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    passphrase,
    '-C',
    'smg-test',
    '-f',
    file,
  ]);
}

export function fingerprintOf(publicKeyFile: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', publicKeyFile]).toString();
  const match = /SHA256:[A-Za-z0-9+/]+/.exec(out);
  if (!match) throw new Error(`no fingerprint in: ${out}`);
  return match[0];
}

/** Creates an extra client key (optionally with a passphrase) that the fleet also accepts. */
export function addClientKey(fleet: TestFleet, name: string, passphrase = ''): string {
  const file = join(fleet.dir, name);
  keygen(file, passphrase);
  const authorized = join(fleet.dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(authorized, 'utf8') + readFileSync(`${file}.pub`, 'utf8'));
  return readFileSync(file, 'utf8');
}

/** The account test sessions log in as when we run as root: unprivileged, with a plain /bin/sh. */
export const TEST_LOGIN = 'smg-test';

/**
 * Who the test hosts accept. As root we do not run test commands as root, and root's shell start-up
 * here (pyenv in .bashrc) costs ~110 ms per exec — it would swamp every latency we measure. So root
 * uses a dedicated account with /bin/sh; anyone else logs in as themselves.
 */
function loginUser(): string {
  if (process.getuid?.() !== 0) return userInfo().username;
  ensureAccount(TEST_LOGIN, { shell: '/bin/sh', home: `/var/lib/${TEST_LOGIN}` });
  return TEST_LOGIN;
}

/**
 * Creates a system account that the test hosts let in with the fleet's client key (root only).
 * Idempotent, and safe when two test files create the same account at once.
 */
export function ensureAccount(name: string, options: { shell: string; home: string }): void {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync(
        'useradd',
        ['--system', '--create-home', '--home-dir', options.home, '--shell', options.shell, name],
        { stdio: 'ignore' },
      );
    } catch {
      // Another test file may have created it at the same moment; `id` below decides.
    }
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
  }
  // With UsePAM no, sshd refuses a locked password field ('!'), even for key logins.
  execFileSync('usermod', ['-p', '*', name], { stdio: 'ignore' });
}

/** Every process below `root`, deepest last. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid=']).toString().trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const walk = (pid: number) => (children.get(pid) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(root);
  return out;
}

/** sshd answers with its banner once it listens. */
async function waitForBanner(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setTimeout(500);
      sock.once('data', (d) => (sock.destroy(), resolve(d.toString().startsWith('SSH-'))));
      sock.once('error', () => resolve(false));
      sock.once('timeout', () => (sock.destroy(), resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`sshd on port ${port} did not come up`);
}

async function launch(host: TestHost, fleetDir: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    // A restarted host keeps its port, so pooled clients see the same address come back.
    if (host.port === 0 || attempt > 0) host.port = await freePort();
    const config = [
      `Port ${host.port}`,
      `ListenAddress ${host.address}`,
      `HostKey ${join(host.dir, 'host_key')}`,
      `PidFile ${join(host.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(fleetDir, 'authorized_keys')}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'MaxStartups 200:30:400',
      'MaxSessions 64',
      'LogLevel ERROR',
      'PrintMotd no',
      ...Object.entries(host.env).map(([k, v]) => `SetEnv "${k}=${v}"`),
    ].join('\n');
    writeFileSync(join(host.dir, 'sshd_config'), `${config}\n`);
    const child = spawn(SSHD, ['-D', '-e', '-f', join(host.dir, 'sshd_config')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let exited = false;
    child.once('exit', () => (exited = true));
    child.stderr?.resume();
    try {
      await waitForBanner(host.port, Date.now() + 5_000);
      host.process = child;
      return;
    } catch (error) {
      child.kill('SIGKILL');
      if (!exited && attempt === 2) throw error;
    }
  }
  throw new Error(`could not start sshd for ${host.name}`);
}

/**
 * Starts `count` real OpenSSH servers on 127.0.0.1, one process and one host key per simulated
 * host, all accepting one client key for the current user.
 */
export async function startSshFleet(
  count: number,
  options: { prefix?: string; env?: (index: number) => Record<string, string> } = {},
): Promise<TestFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'smg-fleet-'));
  // sshd reads authorized_keys as the login user, so the fleet dir must be traversable.
  chmodSync(dir, 0o755);
  const user = loginUser();
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true });
  const clientKeyFile = join(dir, 'client_key');
  keygen(clientKeyFile);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyFile}.pub`));

  const hosts: TestHost[] = [];
  for (let i = 0; i < count; i++) {
    const name = `${options.prefix ?? 'host'}-${i + 1}`;
    const hostDir = join(dir, name);
    mkdirSync(hostDir);
    keygen(join(hostDir, 'host_key'));
    hosts.push({
      name,
      address: '127.0.0.1',
      port: 0,
      hostKeyFingerprint: fingerprintOf(join(hostDir, 'host_key.pub')),
      dir: hostDir,
      env: options.env?.(i) ?? {},
    });
  }
  await Promise.all(hosts.map((h) => launch(h, dir)));

  const byName = (name: string) => {
    const host = hosts.find((h) => h.name === name);
    if (!host) throw new Error(`no test host ${name}`);
    return host;
  };
  const stopHost = async (name: string) => {
    const host = byName(name);
    const child = host.process;
    host.process = undefined;
    if (!child || child.exitCode !== null) return;
    for (const pid of descendants(child.pid!)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  };
  const killSessionMonitors = (name: string) => {
    const pid = byName(name).process?.pid;
    if (pid === undefined) return;
    try {
      execFileSync('pkill', ['-KILL', '-P', String(pid)]);
    } catch {
      // no sessions
    }
  };
  const cutConnections = (name: string) => {
    const pid = byName(name).process?.pid;
    if (pid === undefined) return;
    for (const p of descendants(pid)) {
      try {
        if (readFileSync(`/proc/${p}/comm`, 'utf8').trim().startsWith('sshd'))
          process.kill(p, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  return {
    dir,
    user,
    clientKey: readFileSync(clientKeyFile, 'utf8'),
    clientKeyFile,
    hosts,
    stopHost,
    killSessionMonitors,
    cutConnections,
    startHost: (name) => launch(byName(name), dir),
    async stop() {
      await Promise.all(hosts.map((h) => stopHost(h.name)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
