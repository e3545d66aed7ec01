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
 */

/** First line on stdout: the session leader's PID, so a timeout can kill its process group. */
export const PID_MARK = 'smg-pid:';

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

/**
 * What can leave a process running once bash is done: a background job (`&`, not `&&`, `&>`,
 * `>&` or `|&`) or a process substitution, which bash does not wait for. The test is on the raw
 * text and errs towards yes (an `&` inside quotes counts).
 */
const MAY_OUTLIVE = /(^|[^&<>|])&(?![&>])|[<>]\(/;

/**
 * The command line sent over SSH for `command`. `printf '%bx'` and `${c%x}` keep trailing
 * newlines, which a command substitution would otherwise strip. `$$` is the login shell's PID
 * and its session's: a timeout kills that session.
 *
 * A command that may leave something running in the background gets bash as a child instead:
 * when bash is done, whatever is left in the session (`sleep 1000 >/dev/null &`) is stopped —
 * TERM first, which sudo passes on to a command running as another user, then KILL — and the
 * wrapper exits with bash's status. That costs a pgrep (about 5 ms), so other commands have
 * bash exec'd in the wrapper's place.
 */
export function pinnedShellCommand(command: string): string {
  // Input from /dev/null, not sshd's socket: a nested bash -c reads ~/.bashrc when its input is
  // a network connection and it thinks it is the first shell (after env -i or sudo).
  const bash = `/usr/bin/env -i ${PINNED_ENV} /bin/bash --noprofile --norc -c "\${c%x}" </dev/null`;
  const run = MAY_OUTLIVE.test(command)
    ? [
        bash,
        'r=$?',
        // A lone command in $(…) is exec'd by dash and bash alike, so pgrep lists only the session.
        'set -- $(pgrep -s $$ 2>/dev/null)',
        `if [ $# -gt 1 ]; then ${stop('TERM')}; sleep 0.2; set -- $(pgrep -s $$); ${stop('KILL')}; fi`,
        'exit $r',
      ]
    : [`exec ${bash}`];
  return [
    `c=$(printf '%bx' '${octalEscape(command)}') || exit ${NO_BASH_EXIT}`,
    `[ -x /bin/bash ] || { echo '${NO_BASH_MESSAGE}' >&2; exit ${NO_BASH_EXIT}; }`,
    `printf '${PID_MARK}%s\\n' "$$"`,
    ...run,
  ].join('; ');
}

/** Sends `signal` to every listed process but the wrapper itself. */
const stop = (signal: string) =>
  `for p; do [ "$p" = "$$" ] || kill -${signal} "$p" 2>/dev/null; done`;

/** Why a command that printed no PID line did not run, in words for the operator. */
export function wrapperFailure(exitCode: number | null, stderr: string): string {
  if (exitCode === NO_BASH_EXIT && stderr.includes(NO_BASH_MESSAGE)) {
    return 'this host has no /bin/bash, and the gateway runs commands only under bash: install bash on the host';
  }
  // The last line is where shells and interpreters put the verdict.
  const said = stderr.trim().split('\n').at(-1)?.slice(0, 200);
  return (
    "the login shell did not run the gateway's POSIX sh wrapper, so nothing ran: give the login user " +
    `a POSIX shell (sh, bash, dash, ksh) and make sure /bin/bash exists${said ? ` (the shell said: ${said})` : ''}`
  );
}
