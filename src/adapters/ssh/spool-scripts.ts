import type { SpoolState } from '../../core/ports.js';

/**
 * The fixed scripts that read back, stop and remove what a command keeps in its spool on the host
 * (see `pinnedShellCommand`). Each runs in the login shell as it is: only a validated spool name
 * and numbers go into it.
 */

/** Where a host keeps its commands' state, under the login user's home: the gateway's own. */
export const SPOOL_DIR = '.smg-spool';
const SPOOL_NAME = /^[A-Za-z0-9_-]{8,64}$/;

function checkName(name: string): void {
  if (!SPOOL_NAME.test(name)) throw new Error(`invalid spool name ${JSON.stringify(name)}`);
}

/** `s` (the spool dir) and `f` (this command's files, without suffix), as shell assignments. */
export function spoolVars(name: string): string {
  checkName(name);
  return `s="$HOME/${SPOOL_DIR}"; f="$s/${name}"`;
}

/** First line of a read: the command's state, marked with the read's own random word. */
export const stateMark = (nonce: string) => `smg-spool-${nonce}:`;
const SUFFIXES = ['pid', 'out', 'err', 'rc', 'status'];

const offset = (n: number) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`invalid offset ${n}`);
  return n + 1;
};

/**
 * Prints the state line, then up to `maxBytes` of stdout from `from.stdout` on stdout and of
 * stderr from `from.stderr` on stderr. The state is read before the output: `ended` means the
 * files are complete. A live login shell means running (its streams may still be flushing); a
 * dead one that wrote the command's exit status means ended; dead without one means its
 * processes were killed (a reboot, a kill).
 */
export function readSpoolScript(
  name: string,
  from: { stdout: number; stderr: number },
  maxBytes: number,
  nonce: string,
): string {
  const max = offset(maxBytes) - 1;
  if (!/^[A-Za-z0-9]{8,32}$/.test(nonce)) throw new Error('invalid nonce');
  const mark = stateMark(nonce);
  return [
    spoolVars(name),
    `[ -e "$f.pid" ] || { echo '${mark} gone'; exit 0; }`,
    // Only digits count as a status: an empty or torn file reads as no status.
    'r=; if [ -s "$f.status" ] && read r < "$f.status" && case $r in ""|*[!0-9]*) false;; esac; then st="ended $r"',
    // A killed login shell nobody reaps (its sshd gone, an init that does not reap) is a zombie:
    // kill -0 still finds it, so ask ps for its state where there is one.
    'elif read p < "$f.pid" && { z=$(ps -o stat= -p "$p" 2>/dev/null) || { kill -0 "$p" 2>/dev/null && z=S; }; } && case $z in *Z*|"") false;; esac; then st=running',
    'elif [ -s "$f.rc" ] && read r < "$f.rc" && case $r in ""|*[!0-9]*) false;; esac; then st="ended $r"',
    'else st=dead; fi',
    `echo "${mark} $st"`,
    `tail -c +${offset(from.stdout)} "$f.out" 2>/dev/null | head -c ${max}`,
    `tail -c +${offset(from.stderr)} "$f.err" 2>/dev/null | head -c ${max} >&2`,
  ].join('; ');
}

/** The state line of a read, or undefined when the script did not run as ours. */
export function parseSpoolState(line: string, nonce: string): SpoolState | undefined {
  const match = new RegExp(`^${stateMark(nonce)} (running|dead|gone|ended (\\d+))$`).exec(
    line.trim(),
  );
  if (!match) return undefined;
  if (match[2] !== undefined) return { state: 'ended', exitCode: Number(match[2]) };
  return { state: match[1] as 'running' | 'dead' | 'gone' };
}

/**
 * TERM first: sudo passes it on to a command running as another user, which the login user
 * cannot signal itself; then KILL for everything in the session, then the group.
 */
export function killSessionScript(pid: string): string {
  return [
    `pkill -TERM -s ${pid} 2>/dev/null`,
    `kill -TERM -${pid} 2>/dev/null`,
    'sleep 0.3',
    `pkill -KILL -s ${pid} 2>/dev/null`,
    `kill -9 -${pid} 2>/dev/null || kill -9 ${pid} 2>/dev/null`,
    'true',
  ].join('; ');
}

/** Stops the command kept under `name`, from any connection (its session, by the spooled PID). */
export function killSpoolScript(name: string): string {
  return [
    spoolVars(name),
    'read p < "$f.pid" 2>/dev/null || exit 0',
    'case $p in *[!0-9]*|"") exit 0;; esac',
    killSessionScript('$p'),
  ].join('; ');
}

/**
 * Removes spool files untouched for `minutes` (commands whose end nobody recorded in that time),
 * in the background.
 */
export function sweepSpoolScript(minutes: number): string {
  if (!Number.isSafeInteger(minutes) || minutes < 1) throw new Error(`invalid age ${minutes}`);
  return `{ find "$HOME/${SPOOL_DIR}" -maxdepth 1 -type f -mmin +${minutes} -delete </dev/null >/dev/null 2>&1 & }`;
}

/** Removes the spool files of commands whose end is recorded, in the background. */
export function forgetSpoolsScript(names: readonly string[]): string {
  const files = names.flatMap((n) => {
    checkName(n);
    return SUFFIXES.map((x) => `"$HOME/${SPOOL_DIR}/${n}.${x}"`);
  });
  return `{ rm -f ${files.join(' ')} </dev/null >/dev/null 2>&1 & }`;
}
