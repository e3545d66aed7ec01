import { opt, type ArgvSpec } from './argv-grammar.js';

/**
 * The argument grammars of the wrappers the policy unwraps, as the real programs read their
 * options (GNU coreutils, sudo 1.9, util-linux, findutils, procps, GNU time, bash builtins).
 * Options that would let a command escape judgement or a stop are left out on purpose, so
 * they deny; the comments say which.
 */

/** Arguments bash accepts in a nested position that keep it the gateway's bash. */
export const BASH: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('command', 'c', undefined),
    opt('noprofile', undefined, 'noprofile'),
    opt('norc', undefined, 'norc'),
    opt('errexit', 'e', undefined),
    opt('nounset', 'u', undefined),
    opt('xtrace', 'x', undefined),
    opt('noglob', 'f', undefined),
    opt('option', 'o', undefined, 'required'),
  ],
};

export const ENV: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('ignore-environment', 'i', 'ignore-environment'),
    opt('null', '0', 'null'),
    opt('unset', 'u', 'unset', 'required'),
    opt('chdir', 'C', 'chdir', 'required'),
    opt('split-string', 'S', 'split-string', 'required'),
    opt('debug', 'v', 'debug'),
    // --block-signal and --ignore-signal are left out: they would shield the command from the
    // TERM that stops it at a timeout.
    opt('default-signal', undefined, 'default-signal', 'optional'),
    opt('list-signal-handling', undefined, 'list-signal-handling'),
  ],
};

export const SUDO: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('askpass', 'A', 'askpass'),
    opt('background', 'b', 'background'),
    opt('bell', 'B', 'bell'),
    opt('close-from', 'C', 'close-from', 'required'),
    opt('chdir', 'D', 'chdir', 'required'),
    // -E takes no value; only --preserve-env=LIST does.
    opt('preserve-env', 'E', undefined),
    opt('preserve-env', undefined, 'preserve-env', 'optional'),
    opt('edit', 'e', 'edit'),
    opt('group', 'g', 'group', 'required'),
    opt('set-home', 'H', 'set-home'),
    opt('host', undefined, 'host', 'required'),
    opt('login', 'i', 'login'),
    opt('remove-timestamp', 'K', 'remove-timestamp'),
    opt('reset-timestamp', 'k', 'reset-timestamp'),
    opt('list', 'l', 'list'),
    opt('non-interactive', 'n', 'non-interactive'),
    opt('preserve-groups', 'P', 'preserve-groups'),
    opt('prompt', 'p', 'prompt', 'required'),
    opt('chroot', 'R', 'chroot', 'required'),
    opt('role', 'r', 'role', 'required'),
    opt('stdin', 'S', 'stdin'),
    opt('shell', 's', 'shell'),
    opt('type', 't', 'type', 'required'),
    opt('command-timeout', 'T', 'command-timeout', 'required'),
    opt('other-user', 'U', 'other-user', 'required'),
    opt('user', 'u', 'user', 'required'),
    opt('version', 'V', 'version'),
    opt('validate', 'v', 'validate'),
  ],
};

export const DOAS: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('non-interactive', 'n', undefined),
    opt('shell', 's', undefined),
    opt('user', 'u', undefined, 'required'),
  ],
};

export const NICE: ArgvSpec = {
  stopAtOperand: true,
  numericOption: 'adjustment',
  options: [opt('adjustment', 'n', 'adjustment', 'required')],
};

export const IONICE: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('class', 'c', 'class', 'required'),
    opt('classdata', 'n', 'classdata', 'required'),
    opt('pid', 'p', 'pid', 'required'),
    opt('pgid', 'P', 'pgid', 'required'),
    opt('uid', 'u', 'uid', 'required'),
    opt('ignore', 't', 'ignore'),
  ],
};

export const STDBUF: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('input', 'i', 'input', 'required'),
    opt('output', 'o', 'output', 'required'),
    opt('error', 'e', 'error', 'required'),
  ],
};

export const TIMEOUT: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('signal', 's', 'signal', 'required'),
    opt('kill-after', 'k', 'kill-after', 'required'),
    opt('verbose', 'v', 'verbose'),
    opt('preserve-status', 'p', 'preserve-status'),
    // --foreground is left out: it lets the command's children outlive the timeout.
  ],
};

export const NOHUP: ArgvSpec = { stopAtOperand: true, options: [] };

/** GNU time; bash's own `time` keyword takes only -p, and reads anything else as the command. */
export const TIME: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('format', 'f', 'format', 'required'),
    opt('output', 'o', 'output', 'required'),
    opt('append', 'a', 'append'),
    opt('portability', 'p', 'portability'),
    opt('verbose', 'v', 'verbose'),
    opt('quiet', 'q', 'quiet'),
  ],
};

export const SETSID: ArgvSpec = {
  stopAtOperand: true,
  options: [opt('ctty', 'c', 'ctty'), opt('fork', 'f', 'fork'), opt('wait', 'w', 'wait')],
};

export const COMMAND: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('default-path', 'p', undefined),
    opt('describe', 'v', undefined),
    opt('describe-verbose', 'V', undefined),
  ],
};

/** exec -l (a login shell's start-up files) and -a NAME (programs that act by their name) are left out. */
export const EXEC: ArgvSpec = {
  stopAtOperand: true,
  options: [opt('clear-environment', 'c', undefined)],
};

export const XARGS: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('null', '0', 'null'),
    opt('arg-file', 'a', 'arg-file', 'required'),
    opt('delimiter', 'd', 'delimiter', 'required'),
    opt('eof-string', 'E', undefined, 'required'),
    opt('eof', 'e', 'eof', 'optional'),
    opt('replace-string', 'I', undefined, 'required'),
    opt('replace', 'i', 'replace', 'optional'),
    opt('max-lines-per', 'L', undefined, 'required'),
    opt('max-lines', 'l', 'max-lines', 'optional'),
    opt('max-args', 'n', 'max-args', 'required'),
    opt('open-tty', 'o', 'open-tty'),
    opt('interactive', 'p', 'interactive'),
    opt('max-procs', 'P', 'max-procs', 'required'),
    opt('no-run-if-empty', 'r', 'no-run-if-empty'),
    opt('max-chars', 's', 'max-chars', 'required'),
    opt('verbose', 't', 'verbose'),
    opt('exit', 'x', 'exit'),
    opt('process-slot-var', undefined, 'process-slot-var', 'required'),
    opt('show-limits', undefined, 'show-limits'),
  ],
};

export const WATCH: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('beep', 'b', 'beep'),
    opt('color', 'c', 'color'),
    opt('no-color', 'C', 'no-color'),
    opt('differences', 'd', 'differences', 'optional'),
    opt('errexit', 'e', 'errexit'),
    opt('chgexit', 'g', 'chgexit'),
    opt('interval', 'n', 'interval', 'required'),
    opt('precise', 'p', 'precise'),
    opt('equexit', 'q', 'equexit', 'required'),
    opt('no-rerun', 'r', 'no-rerun'),
    opt('no-title', 't', 'no-title'),
    opt('no-wrap', 'w', 'no-wrap'),
    opt('exec', 'x', 'exec'),
  ],
};

export const SU: ArgvSpec = {
  stopAtOperand: false,
  options: [
    opt('command', 'c', 'command', 'required'),
    opt('session-command', undefined, 'session-command', 'required'),
    opt('fast', 'f', 'fast'),
    opt('group', 'g', 'group', 'required'),
    opt('supp-group', 'G', 'supp-group', 'required'),
    opt('login', 'l', 'login'),
    opt('preserve-environment', 'm', 'preserve-environment'),
    opt('preserve-environment', 'p', undefined),
    opt('pty', 'P', 'pty'),
    opt('shell', 's', 'shell', 'required'),
    opt('whitelist-environment', 'w', 'whitelist-environment', 'required'),
  ],
};

export const CHROOT: ArgvSpec = {
  stopAtOperand: true,
  options: [
    opt('groups', undefined, 'groups', 'required'),
    opt('userspec', undefined, 'userspec', 'required'),
    opt('skip-chdir', undefined, 'skip-chdir'),
  ],
};

export const BASH_SET_OPTIONS = new Set([
  'errexit',
  'nounset',
  'pipefail',
  'xtrace',
  'noglob',
  'noclobber',
]);
