import type { SpoolCut, SpoolState } from '../../core/ports.js';
import { InternalError } from '../../core/errors.js';

/**
 * The fixed scripts that read back, stop and remove what a command keeps in its spool on the host
 * (see `pinnedShellCommand`). Each runs in the login shell as it is: only a validated spool name
 * and numbers go into it.
 */

/** Where a host keeps its commands' state, under the login user's home: the gateway's own. */
export const SPOOL_DIR = '.smg-spool';
const SPOOL_NAME = /^[A-Za-z0-9_-]{8,64}$/;

function checkName(name: string): void {
  if (!SPOOL_NAME.test(name)) throw new InternalError(`invalid spool name ${JSON.stringify(name)}`);
}

/** `s` (the spool dir) and `f` (this command's files, without suffix), as shell assignments. */
export function spoolVars(name: string): string {
  checkName(name);
  return `s="$HOME/${SPOOL_DIR}"; f="$s/${name}"`;
}

/** First line of a read: the command's state, marked with the read's own random word. */
export const stateMark = (nonce: string) => `smg-spool-${nonce}:`;
const SUFFIXES = ['pid', 'out', 'err', 'rc', 'status', 'cut', 'idle'];

/**
 * Reads the state (field 3) and start time (field 22, in clock ticks since boot) of process `pid`
 * from /proc into shell variables, with the `read` built-in alone (no process started). The comm
 * field of a login shell has no spaces; a process whose has reads as another start time.
 */
export function procStatRead(pid: string, stateVar: string, startVar: string): string {
  const fields = ['z', 'z', stateVar, ...Array<string>(18).fill('z'), startVar, 'z'];
  return `read -r ${fields.join(' ')} < /proc/${pid}/stat`;
}

/**
 * True (status 0) when process \$p is alive, not a zombie, and — when \$t holds its start time from
 * the pid file — started then: a PID the system gave to another process since is not ours.
 */
const OURS =
  '{ if [ -r /proc/$p/stat ]; then ' +
  procStatRead('$p', 'y', 'v') +
  ' && [ "$y" != Z ] && { [ -z "$t" ] || [ "$v" = "$t" ]; }; ' +
  'elif [ -e /proc/self/stat ]; then false; ' +
  // No /proc: ask ps; a killed login shell nobody reaps (its sshd gone, an init that does not
  // reap) is a zombie, which kill -0 still finds.
  'else z=$(ps -o stat= -p "$p" 2>/dev/null) || { kill -0 "$p" 2>/dev/null && z=S; }; case $z in *Z*|"") false;; esac; fi; }';
/**
 * True unless PID \$p now belongs to a process that started at another time than \$t: the killer
 * spares a PID reused since (a reboot, a wrap), and still stops a session whose leader is gone or
 * a zombie (no process gets the PID of a session that still has members).
 */
const NOT_ANOTHERS =
  '{ [ ! -r /proc/$p/stat ] || [ -z "$t" ] || { ' +
  procStatRead('$p', 'y', 'v') +
  ' && [ "$v" = "$t" ]; }; }';
const READ_PID = 'read p t < "$f.pid" && case $p in ""|*[!0-9]*) false;; esac';

const offset = (n: number) => {
  if (!Number.isSafeInteger(n) || n < 0) throw new InternalError(`invalid offset ${n}`);
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
  if (!/^[A-Za-z0-9]{8,32}$/.test(nonce)) throw new InternalError('invalid nonce');
  const mark = stateMark(nonce);
  return [
    spoolVars(name),
    `[ -e "$f.pid" ] || { echo '${mark} gone'; exit 0; }`,
    // Only digits count as a status: an empty or torn file reads as no status.
    'r=; if [ -s "$f.status" ] && read r < "$f.status" && case $r in ""|*[!0-9]*) false;; esac; then st="ended $r"',
    `elif ${READ_PID} && ${OURS}; then st=running`,
    'elif [ -s "$f.rc" ] && read r < "$f.rc" && case $r in ""|*[!0-9]*) false;; esac; then st="ended $r"',
    'else st=dead; fi',
    // Killed on the host for printing nothing for that many seconds.
    'if [ -s "$f.idle" ] && read i < "$f.idle" && case $i in ""|*[!0-9]*) false;; esac; then st="$st idle=$i"; fi',
    // A stream its spool stopped keeping (its size limit, a full disk): tee said so in .cut.
    'if [ -s "$f.cut" ]; then while IFS= read -r l; do case $l in *"$f.out"*) st="$st stdout-cut";; *"$f.err"*) st="$st stderr-cut";; esac; done < "$f.cut"; fi',
    `echo "${mark} $st"`,
    `tail -c +${offset(from.stdout)} "$f.out" 2>/dev/null | head -c ${max}`,
    `tail -c +${offset(from.stderr)} "$f.err" 2>/dev/null | head -c ${max} >&2`,
  ].join('; ');
}

/** The state line of a read, or undefined when the script did not run as ours. */
export function parseSpoolState(
  line: string,
  nonce: string,
): (SpoolState & { readonly cut?: SpoolCut }) | undefined {
  const match = new RegExp(
    `^${stateMark(nonce)} (running|dead|gone|ended (\\d+))(?: idle=(\\d+))?((?: (?:stdout|stderr)-cut)*)$`,
  ).exec(line.trim());
  if (!match) return undefined;
  const idle = match[3] !== undefined ? { idleSeconds: Number(match[3]) } : {};
  const cut = {
    ...(match[4]?.includes('stdout-cut') ? { stdout: true } : {}),
    ...(match[4]?.includes('stderr-cut') ? { stderr: true } : {}),
  };
  const more = Object.keys(cut).length > 0 ? { cut } : {};
  if (match[2] !== undefined)
    return { state: 'ended', exitCode: Number(match[2]), ...idle, ...more };
  return { state: match[1] as 'running' | 'dead' | 'gone', ...more };
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
    `{ ${READ_PID}; } 2>/dev/null || exit 0`,
    `${NOT_ANOTHERS} || exit 0`,
    killSessionScript('$p'),
  ].join('; ');
}

/**
 * Removes spool files untouched for `minutes` (commands whose end nobody recorded in that time),
 * in the background.
 */
export function sweepSpoolScript(minutes: number): string {
  if (!Number.isSafeInteger(minutes) || minutes < 1)
    throw new InternalError(`invalid age ${minutes}`);
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
