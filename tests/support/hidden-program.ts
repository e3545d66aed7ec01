import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { pinnedShellCommand } from '../../src/adapters/ssh/pinned-shell.js';

/**
 * Runs the wrapper for `command` with `program` (an absolute path) hidden in a private mount
 * namespace, as on a host without it. Needs root.
 */
export function wrapperWithout(program: string, command: string): SpawnSyncReturns<string> {
  if (process.getuid?.() !== 0)
    throw new Error('this test needs a mount namespace: run the tests as root');
  const wrapper = pinnedShellCommand(command, {
    name: 'hidden-program-test',
    timeoutSeconds: 10,
    nonce: 'abcdef0123',
  });
  return spawnSync(
    'unshare',
    ['--mount', 'sh', '-c', `mount --bind /dev/null ${program} && exec sh -c "$1"`, '-', wrapper],
    { encoding: 'utf8' },
  );
}
