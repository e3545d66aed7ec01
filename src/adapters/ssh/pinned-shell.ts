/**
 * The only text that reaches a host's login shell. The policy judges a command as bash parses
 * it, so the command must run under that bash and nothing else: the wrapper hands it, as one
 * argument, to `/bin/bash --noprofile --norc` with an environment of three variables (no
 * BASH_ENV, no exported functions, no inherited PATH or locale).
 *
 * The command travels as octal escapes decoded by `printf %b`, in a single-quoted word holding
 * only letters, digits, `\` and `,._/:=@+-`: POSIX shells, fish and csh all read such a word
 * alike, so no login shell can turn it into a different command. The wrapper's first statement
 * (`c=$(…)`) is POSIX-only; fish and csh reject it before running anything, and then no PID
 * line is printed — which is how the gateway tells that the login shell is not POSIX.
 *
 * Around the command sits a supervisor that keeps its state on the host (see
 * `pinnedShellCommand`): another gateway process can read it back, or stop it, by its spool name.
 */

import { forgetSpoolsScript, procStatRead, spoolVars } from './spool-scripts.js';
import { InternalError } from '../../core/errors.js';

/**
 * First line on stdout: the session leader's PID, so a timeout can kill its session. The mark
 * carries a random word of the call's own, so no line a login's start-up files print can pose as
 * it (a planted `smg-pid:1` would have a timeout kill every process of the login).
 */
export const pidMark = (nonce: string) => `smg-pid-${nonce}:`;

/** Exit status and stderr line of a host without /bin/bash. */
export const NO_BASH_EXIT = 125;
export const NO_BASH_MESSAGE =
  'smg-gateway: this host has no /bin/bash; the gateway runs commands only under bash';

/** The environment the command starts with: nothing of the login's own. */
export const PINNED_ENV = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" LC_ALL=C.UTF-8';

const LITERAL = /^[A-Za-z0-9,._/:=@+-]$/;

/** Bytes as `printf %b` input: safe characters as they are, every other byte as `\0ooo`. */
export function octalEscape(command: string): string {
  let out = '';
  for (const byte of Buffer.from(command, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && LITERAL.test(c) ? c : `\\0${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** Exit status and stderr line of a host without `timeout` (coreutils). */
export const NO_TIMEOUT_MESSAGE =
  'smg-gateway: this host has no timeout program (coreutils); the gateway needs it to bound commands on the host';
/** Exit status and stderr line of a spool name started before: nothing runs twice. */
export const SPOOL_TAKEN_MESSAGE =
  'smg-gateway: a command was started under this spool name already';

/** What the PID line adds when the host could not keep the command's spool: it runs without. */
export const UNSPOOLED_MARK = ' -';

/** How a command is kept on its host: under this spool name, and killed there past this time. */
export interface SpoolSpec {
  readonly name: string;
  /** The host kills the command after this (TERM, then KILL 5 s later), gateway or not. */
  readonly timeoutSeconds: number;
  /**
   * Each stream's spool file stops growing here (rounded up to 512-byte blocks, and twice that
   * where the login shell is bash, whose ulimit counts KiB); the spool then says the stream is cut.
   */
  readonly maxBytes: number;
  /**
   * The host kills the command when neither of its spool files grows for this long (checked every
   * fifth of it), leaving `NAME.idle`; not once a file is full, whose growth it can no longer see.
   */
  readonly idleSeconds?: number;
  /** Spool entries whose end is recorded: removed in the background as this command starts. */
  readonly forget?: readonly string[];
  /** The call's own random word in its PID line (letters and digits). */
  readonly nonce: string;
}

/**
 * The command line sent over SSH for `command`: a supervisor in POSIX sh that keeps the command's
 * state on the host, so the command outlives the gateway that started it.
 *
 * - `~/.smg-spool` (0700, the login user's own, not a symlink) holds `NAME.pid` (the login
 *   shell's PID and its start time: the session a kill stops, and proof a PID was not reused;
 *   created exclusively, and a name that exists is refused), `NAME.out` and `NAME.err` (each
 *   stream up to `maxBytes`), `NAME.cut` (what tee said when a file stopped growing), `NAME.rc`
 *   and, once the streams are complete, `NAME.status` (the exit status).
 * - Each stream goes through `tee -p` to its file and to the SSH channel: the gateway reads it
 *   as it comes, and when the channel goes away (a dead gateway, a Lambda that let go) `tee`
 *   writes on to the file alone. A file past its size limit (`ulimit -f`, with SIGXFSZ ignored so
 *   tee is told, not killed) or on a full disk stops growing while the channel still gets it all;
 *   tee also writes to /dev/null, so with the channel gone and the file full it still drains the
 *   command's output rather than end and have a pipe kill the command.
 * - `timeout` bounds the command on the host and runs it in a process group of its own; once
 *   bash is done, whatever it left in that group (`sleep 1000 &`, a process substitution) is
 *   stopped — TERM, which sudo passes on, then KILL — and the status is bash's.
 * - A host that cannot keep the spool (a full disk, a read-only home) still runs the command,
 *   bounded the same, and its PID line says so (`UNSPOOLED_MARK`): `df` must work on a full disk.
 *   Only a live channel then sees its end.
 *
 * `printf '%bx'` and `${c%x}` keep trailing newlines, which a command substitution would strip.
 * sshd already starts each command as the leader of a session of its own and signals none of a
 * non-terminal session's processes when the connection drops, so no `setsid` is needed (it would
 * cost an exec per command).
 */
export function pinnedShellCommand(command: string, spool: SpoolSpec): string {
  // Input from /dev/null, not sshd's socket: a nested bash -c reads ~/.bashrc when its input is
  // a network connection and it thinks it is the first shell (after env -i or sudo).
  const bash = `/usr/bin/env -i ${PINNED_ENV} timeout -k 5 ${Math.max(1, Math.ceil(spool.timeoutSeconds))} /bin/bash --noprofile --norc -c "\${c%x}" </dev/null`;
  const blocks = Math.max(1, Math.ceil(spool.maxBytes / 512));
  const run = (watchIdle: boolean) =>
    [
      `${bash} & t=$!`,
      ...(watchIdle && spool.idleSeconds ? [idleWatcher(spool.idleSeconds, blocks)] : []),
      'wait $t; r=$?',
      // The watcher and the sleep it waits in.
      ...(watchIdle && spool.idleSeconds ? ['{ pkill -P $w; kill $w; } 2>/dev/null'] : []),
      'kill -TERM -$t 2>/dev/null && { sleep 0.2; kill -KILL -$t 2>/dev/null; }',
    ].join('; ');
  const tee = (file: string) =>
    `( ulimit -f ${blocks} 2>/dev/null; trap '' XFSZ; exec tee -p "${file}" /dev/null 2>>"$f.cut" )`;
  const mark = pidMark(checkNonce(spool.nonce));
  const spoolOk = `{ [ -d "$s" ] || mkdir -m 700 "$s" 2>/dev/null || [ -d "$s" ]; } && [ -O "$s" ] && [ ! -h "$s" ] && { set -C; echo "$$ $t" > "$f.pid"; } 2>/dev/null`;
  return [
    // First, and POSIX-only: fish and csh stop here, before anything runs.
    `c=$(printf '%bx' '${octalEscape(command)}') || exit ${NO_BASH_EXIT}`,
    ...(spool.forget?.length ? [forgetSpoolsScript(spool.forget)] : []),
    `[ -x /bin/bash ] || { echo '${NO_BASH_MESSAGE}' >&2; exit ${NO_BASH_EXIT}; }`,
    `command -v timeout >/dev/null 2>&1 || { echo '${NO_TIMEOUT_MESSAGE}' >&2; exit ${NO_BASH_EXIT}; }`,
    // zsh would copy stdout into stderr at `2>&1 >&3` (MULTIOS).
    '[ -n "${ZSH_VERSION-}" ] && setopt no_multios',
    `${spoolVars(spool.name)}; umask 077`,
    `[ -e "$f.pid" ] && { echo '${SPOOL_TAKEN_MESSAGE}' >&2; exit ${NO_BASH_EXIT}; }`,
    `t=; [ -r /proc/$$/stat ] && ${procStatRead('$$', 'z', 't')}`,
    `if ${spoolOk}; then set +C`,
    `printf '${mark}%s\\n' "$$"`,
    // The exit status files exist from the start, written over in place at the end: a disk that
    // fills meanwhile has no say in them.
    `{ printf '${PLACEHOLDER}' > "$f.rc"; printf '${PLACEHOLDER}' > "$f.status"; } 2>/dev/null`,
    `{ { ${run(true)}; ${writeStatus('$f.rc')}; } 2>&1 >&3 3>&- | ${tee('$f.err')} >&2 3>&-; } 3>&1 | ${tee('$f.out')}`,
    `r=125; read r < "$f.rc" 2>/dev/null; case $r in ""|*[!0-9]*) r=125;; esac; ${writeStatus('$f.status')}; exit $r; fi`,
    // Not created: a name another start wrote first is refused; a file a full disk left empty
    // (ours: the name was free just before) goes, and the command runs without a spool.
    'set +C; if [ -e "$f.pid" ]; then [ -s "$f.pid" ] || sleep 0.1',
    `[ -s "$f.pid" ] && { echo '${SPOOL_TAKEN_MESSAGE}' >&2; exit ${NO_BASH_EXIT}; }`,
    '[ -O "$s" ] && [ ! -h "$s" ] && rm -f "$f.pid"; fi',
    `printf '${mark}%s${UNSPOOLED_MARK}\\n' "$$"`,
    `${run(false)}; exit $r`,
  ].join('; ');
}

/** What an exit status file holds until the status is known: not digits, so no reader takes it. */
const PLACEHOLDER = 'x   \\n';

/** Writes $r over a status file's placeholder, in place (`1<>`: no truncation, no new block). */
const writeStatus = (file: string) => `printf '%4d\\n' "$r" 1<> "${file}" 2>/dev/null`;

/**
 * A background loop that kills the command's group ($t) when its spool files stop growing for
 * `seconds`, and then writes `$f.idle`; its own output goes nowhere, so it holds no stream open.
 * It stops judging — and only sleeps on, so the supervisor's stop never meets a reused PID — once
 * a file reaches its size limit, a size cannot be read, the disk is all but full (growth no
 * longer shows), or it has killed the command.
 */
function idleWatcher(seconds: number, blocks: number): string {
  const idle = Math.max(1, Math.ceil(seconds));
  const every = Math.max(1, Math.floor(idle / 5));
  const full = blocks * 512;
  return [
    `{ last=-1; quiet=0; judge=1; while sleep ${every}`,
    'do [ $judge = 1 ] || continue',
    'o=$(wc -c < "$f.out") && e=$(wc -c < "$f.err") || { judge=0; continue; }',
    `if [ "$o" -ge ${full} ] || [ "$e" -ge ${full} ]; then judge=0; continue; fi`,
    'n=$((o + e))',
    `if [ "$n" = "$last" ]; then quiet=$((quiet + ${every})); else quiet=0; last=$n; fi`,
    `[ $quiet -ge ${idle} ] || continue`,
    'judge=0; a=$(stat -f -c %a "$s" 2>/dev/null)',
    '[ -n "$a" ] && [ "$a" -lt 64 ] && continue',
    `kill -TERM -$t 2>/dev/null && { echo ${idle} > "$f.idle"; sleep 5; kill -KILL -$t 2>/dev/null; }`,
    'done; } </dev/null >/dev/null 2>&1 & w=$!',
  ].join('; ');
}

function checkNonce(nonce: string): string {
  if (!/^[A-Za-z0-9]{8,32}$/.test(nonce)) throw new InternalError('invalid nonce');
  return nonce;
}

/** Why a command that printed no PID line did not run, in words for the operator. */
export function wrapperFailure(exitCode: number | null, stderr: string): string {
  if (exitCode === NO_BASH_EXIT && stderr.includes(NO_BASH_MESSAGE)) {
    return 'this host has no /bin/bash, and the gateway runs commands only under bash: install bash on the host';
  }
  if (exitCode === NO_BASH_EXIT && stderr.includes(NO_TIMEOUT_MESSAGE))
    return 'this host has no timeout program, which the gateway needs to bound commands on the host: install coreutils';
  if (exitCode === NO_BASH_EXIT && stderr.includes(SPOOL_TAKEN_MESSAGE))
    return 'nothing ran: this command was started on this host before (its entry in ~/.smg-spool exists); read its job instead of starting it again';
  // The last line is where shells and interpreters put the verdict.
  const said = stderr.trim().split('\n').at(-1)?.slice(0, 200);
  return (
    "the login shell did not run the gateway's POSIX sh wrapper, so nothing ran: give the login user " +
    `a POSIX shell (sh, bash, dash, ksh) and make sure /bin/bash exists${said ? ` (the shell said: ${said})` : ''}`
  );
}
