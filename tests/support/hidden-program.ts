import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pinnedShellCommand } from '../../src/adapters/ssh/pinned-shell.js';

const NONCE = 'abcdef0123';

/** The wrapper's PID line in the runs below: `unspooled` when the host kept no spool. */
export const wrapperPidLine = (unspooled = false) =>
  new RegExp(`^smg-pid-${NONCE}:\\d+${unspooled ? ' -' : ''}$`, 'm');

function wrapper(command: string): string {
  return pinnedShellCommand(command, {
    name: 'hidden-program-test',
    timeoutSeconds: 10,
    maxBytes: 1 << 20,
    nonce: NONCE,
  });
}

/**
 * Runs `wrapped` after `setup`, in a private mount namespace of its own (needs root); `after` runs
 * once it is done, its output on stderr.
 */
function inMountNamespace(
  setup: string,
  wrapped: string,
  options: { env?: NodeJS.ProcessEnv; after?: string } = {},
) {
  if (process.getuid?.() !== 0)
    throw new Error('this test needs a mount namespace: run the tests as root');
  const then = options.after
    ? `{ sh -c "$1"; r=$?; { ${options.after}; } >&2; exit $r; }`
    : 'exec sh -c "$1"';
  return spawnSync('unshare', ['--mount', 'sh', '-c', `${setup} && ${then}`, '-', wrapped], {
    encoding: 'utf8',
    ...(options.env ? { env: options.env } : {}),
  });
}

/**
 * Runs the wrapper for `command` with `program` (an absolute path) hidden in a private mount
 * namespace, as on a host without it. Needs root.
 */
export function wrapperWithout(program: string, command: string): SpawnSyncReturns<string> {
  return inMountNamespace(`mount --bind /dev/null ${program}`, wrapper(command));
}

/**
 * Runs the wrapper for `command` as on a host whose disk has `freeKiB` left: its home's
 * `.smg-spool` is a 64 KiB filesystem filled up to that (a private mount namespace; needs root).
 * What the spool holds afterwards is listed on the last line of stderr, and its status file's
 * content on the line before.
 */
export function wrapperOnSmallDisk(command: string, freeKiB: number): SpawnSyncReturns<string> {
  const home = mkdtempSync(join(tmpdir(), 'smg-full-'));
  try {
    const setup = [
      'mkdir -m 700 "$HOME/.smg-spool"',
      'mount -t tmpfs -o size=64k,mode=700 full "$HOME/.smg-spool"',
      `{ head -c ${(64 - freeKiB) * 1024} /dev/zero > "$HOME/.smg-spool/filler" 2>/dev/null || true; }`,
    ].join(' && ');
    return inMountNamespace(setup, wrapper(command), {
      env: { PATH: process.env.PATH, HOME: home },
      after:
        'echo; cat "$HOME/.smg-spool/hidden-program-test.status" 2>/dev/null; echo; ls "$HOME/.smg-spool" | tr "\\n" " "',
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/**
 * Runs the wrapper for `command` as on a host whose disk is full (see `wrapperOnSmallDisk`).
 */
export function wrapperOnFullDisk(command: string): SpawnSyncReturns<string> {
  return wrapperOnSmallDisk(command, 0);
}
