import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { ensureAccount, fingerprintOf } from './ssh-fleet.js';

/**
 * A test host that a command may try to damage: one sshd for one unprivileged login, inside
 * network, mount, PID, IPC and UTS namespaces this process creates. The login (`smg-harness`)
 * may sudo only to a second unprivileged account (`smg-harness2`), through a sudoers file that
 * exists only inside the mount namespace. /tmp, /var/tmp, /dev/shm and both homes are tmpfs
 * mounts of the namespace; the network namespace has loopback only. Nothing runs as root on
 * this machine but sshd itself.
 *
 * The gateway reaches it over 127.0.0.1: each TCP connection starts `sshd -i` inside the
 * namespaces. `changes()` compares every watched file, directory and process with the state
 * after the last `reset()`.
 */
export interface SandboxHost {
  readonly address: string;
  readonly port: number;
  readonly hostKeyFingerprint: string;
  readonly user: string;
  readonly clientKeyFile: string;
  /** A directory of files the login owns, as the host sees it: targets for generated commands. */
  readonly watched: string;
  /** What differs from the state after the last reset, as readable lines; empty if nothing. */
  changes(): Promise<string[]>;
  /** Kills what the commands left running and restores every watched tree. */
  reset(): void;
  stop(): Promise<void>;
}

export const SANDBOX_LOGIN = 'smg-harness';
export const SANDBOX_OTHER = 'smg-harness2';

const SSHD = ['/usr/sbin/sshd', '/usr/local/sbin/sshd'].find((p) => existsSync(p)) ?? 'sshd';
const HOME = (user: string) => `/var/lib/${user}`;
/** Trees inside the namespace that a command could write to; the watched dir is added per host. */
const TMPFS_ROOTS = ['/tmp', '/var/tmp', '/dev/shm', HOME(SANDBOX_LOGIN), HOME(SANDBOX_OTHER)];

export async function startSandboxHost(): Promise<SandboxHost> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'the sandbox host creates accounts and namespaces: run the tests as root (CI does)',
    );
  }
  if (!existsSync('/usr/bin/sudo')) {
    throw new Error(
      'the sandbox host needs sudo: apt-get install -y sudo (npm test does it as root)',
    );
  }
  for (const user of [SANDBOX_LOGIN, SANDBOX_OTHER]) {
    ensureAccount(user, { shell: '/bin/sh', home: HOME(user) });
  }
  mkdirSync('/run/sshd', { recursive: true });
  const dir = mkdtempSync('/run/smg-sandbox-');
  chmodSync(dir, 0o755);
  const keys = join(dir, 'keys');
  mkdirSync(keys);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keys, 'client_key')]);
  writeFileSync(join(keys, 'authorized_keys'), readFileSync(join(keys, 'client_key.pub')));
  const config = join(keys, 'sshd_config');
  writeFileSync(
    config,
    [
      `HostKey ${join(keys, 'host_key')}`,
      `AuthorizedKeysFile ${join(keys, 'authorized_keys')}`,
      `AllowUsers ${SANDBOX_LOGIN}`,
      'UsePAM no',
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'LogLevel ERROR',
      'PrintMotd no',
      'MaxSessions 64',
      '',
    ].join('\n'),
  );
  const sudoers = join(dir, 'sudoers.d');
  mkdirSync(sudoers);
  writeFileSync(
    join(sudoers, 'smg-harness'),
    `${SANDBOX_LOGIN} ALL=(${SANDBOX_OTHER}) NOPASSWD: ALL\n`,
    { mode: 0o440 },
  );
  const watched = join(dir, 'watched');
  const roots = [...TMPFS_ROOTS, watched];

  const setup = [
    'set -e',
    'ip link set lo up',
    'mount -t tmpfs -o mode=1777 tmpfs /tmp',
    'mount -t tmpfs -o mode=1777 tmpfs /var/tmp',
    'mount -t tmpfs -o mode=1777 tmpfs /dev/shm',
    ...[SANDBOX_LOGIN, SANDBOX_OTHER].map(
      (u) => `mount -t tmpfs -o mode=755 tmpfs ${HOME(u)} && chown ${u}: ${HOME(u)}`,
    ),
    `mount --bind ${sudoers} /etc/sudoers.d`,
    'echo ready',
    'exec sleep infinity',
  ].join('\n');
  const holder = spawn(
    'unshare',
    [
      '--net',
      '--mount',
      '--pid',
      '--uts',
      '--ipc',
      '--fork',
      '--mount-proc',
      '--propagation',
      'private',
      'sh',
      '-c',
      setup,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    holder.once('exit', (code) => reject(new Error(`namespace setup failed (exit ${code})`)));
    holder.stdout.once('data', () => resolve());
  });
  const inner = Number(
    readFileSync(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').trim().split(' ')[0],
  );
  const nsRoot = `/proc/${inner}/root`;
  const pidNs = readlinkSync(`/proc/${inner}/ns/pid`);

  const restore = () => {
    for (const root of TMPFS_ROOTS) {
      for (const entry of readdirSync(nsRoot + root))
        rmSync(join(nsRoot + root, entry), { recursive: true, force: true });
    }
    rmSync(watched, { recursive: true, force: true });
    fillWatched(watched);
  };
  restore();

  const sessions = new Set<ChildProcess>();
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    const sshd = spawn(
      'nsenter',
      [
        '-t',
        String(inner),
        '--net',
        '--mount',
        '--pid',
        '--uts',
        '--ipc',
        '--',
        SSHD,
        '-i',
        '-e',
        '-f',
        config,
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    sessions.add(sshd);
    socket.pipe(sshd.stdin);
    sshd.stdout.pipe(socket);
    const end = () => {
      socket.destroy();
      sshd.kill('SIGKILL');
      sessions.delete(sshd);
    };
    socket.once('close', end);
    socket.once('error', end);
    sshd.once('exit', () => socket.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  /** Host PIDs and names of the processes in the namespace, but its init and sshd. */
  const strays = (): { pid: number; what: string }[] => {
    const out: { pid: number; what: string }[] = [];
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === inner) continue;
      try {
        if (readlinkSync(`/proc/${pid}/ns/pid`) !== pidNs) continue;
        const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        if (comm.startsWith('sshd')) continue;
        // A zombie has ended; the namespace's init (a plain sleep) does not reap it.
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
        if (state === 'Z') continue;
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        out.push({ pid, what: cmdline || comm });
      } catch {
        // It ended while we looked.
      }
    }
    return out;
  };

  let baseline = snapshot(nsRoot, roots);
  return {
    address: '127.0.0.1',
    port,
    hostKeyFingerprint: fingerprintOf(join(keys, 'host_key.pub')),
    user: SANDBOX_LOGIN,
    clientKeyFile: join(keys, 'client_key'),
    watched,
    async changes() {
      // A session's last processes may still be exiting when the channel closes.
      let left = strays();
      for (let i = 0; i < 20 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
        left = strays();
      }
      const now = snapshot(nsRoot, roots);
      const lines = left.map((p) => `process left running: ${p.what}`);
      for (const [path, state] of now) {
        const before = baseline.get(path);
        if (before === undefined) lines.push(`created ${path}`);
        else if (before !== state) lines.push(`changed ${path}`);
      }
      for (const path of baseline.keys()) if (!now.has(path)) lines.push(`removed ${path}`);
      return lines;
    },
    reset() {
      for (const p of strays()) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      restore();
      baseline = snapshot(nsRoot, roots);
    },
    async stop() {
      for (const s of sessions) s.kill('SIGKILL');
      await new Promise<void>((resolve) => server.close(() => resolve()));
      holder.kill('SIGKILL');
      try {
        process.kill(inner, 'SIGKILL');
      } catch {
        // The namespace ended with its holder.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Files the login owns and may change, one it may only read, and a directory of the other account's. */
function fillWatched(watched: string): void {
  const owner = (user: string) => Number(execFileSync('id', ['-u', user]).toString().trim());
  const login = owner(SANDBOX_LOGIN);
  const other = owner(SANDBOX_OTHER);
  mkdirSync(join(watched, 'sub'), { recursive: true });
  mkdirSync(join(watched, 'other'));
  writeFileSync(join(watched, 'notes.txt'), 'alpha\nbeta\ngamma\n');
  writeFileSync(join(watched, 'marker'), 'marker\n');
  writeFileSync(join(watched, 'sub', 'deep.log'), 'error one\nok two\nerror three\n');
  writeFileSync(join(watched, 'readonly.txt'), 'root owns this\n');
  writeFileSync(join(watched, 'other', 'theirs.txt'), 'theirs\n');
  for (const p of ['', 'sub', 'notes.txt', 'marker', 'sub/deep.log']) {
    chownSync(join(watched, p), login, login);
  }
  chownSync(join(watched, 'other'), other, other);
  chownSync(join(watched, 'other', 'theirs.txt'), other, other);
  chmodSync(join(watched, 'other'), 0o777);
}

/** Path → type, mode, owner, size, mtime and content hash (or link target), for every entry. */
/**
 * The gateway's own spool (`~/.smg-spool`) holding the files of the one command just run, and
 * nothing else: its state, not the command's doing. Anything more in it is watched like any file.
 */
function isOneCommandSpool(dir: string): boolean {
  if (!dir.endsWith('/.smg-spool')) return false;
  const names = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const match = /^([A-Za-z0-9_-]{8,64})\.(pid|out|err|rc|status|cut|idle)$/.exec(entry);
    if (!match?.[1]) return false;
    names.add(match[1]);
  }
  return names.size <= 1;
}

function snapshot(nsRoot: string, roots: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (path: string) => {
    const full = path.startsWith('/run/smg-sandbox-') ? path : nsRoot + path;
    let st;
    try {
      st = lstatSync(full);
    } catch {
      return;
    }
    const head = `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs}`;
    if (st.isDirectory() && isOneCommandSpool(full)) return;
    if (st.isDirectory()) {
      // Entries show up as created or removed; a directory's own mtime also moves when a
      // command makes and deletes a temporary file (bash here-documents), which changes nothing.
      out.set(path, `${st.mode.toString(8)} ${st.uid}:${st.gid}`);
      for (const entry of readdirSync(full).sort()) visit(join(path, entry));
    } else if (st.isSymbolicLink()) {
      out.set(path, `${head} -> ${readlinkSync(full)}`);
    } else if (st.isFile()) {
      const hash = createHash('sha256')
        .update(st.size <= 1 << 20 ? readFileSync(full) : '')
        .digest('hex');
      out.set(path, `${head} ${hash}`);
    } else {
      out.set(path, head);
    }
  };
  for (const root of roots) visit(root);
  return out;
}
