import { describeOptions, parseArgv, type ArgvSpec, type ParsedOption } from './argv-grammar.js';
import {
  BASH,
  BASH_SET_OPTIONS,
  CHROOT,
  COMMAND,
  DOAS,
  ENV,
  EXEC,
  IONICE,
  NICE,
  NOHUP,
  SETSID,
  STDBUF,
  SU,
  SUDO,
  TIME,
  TIMEOUT,
  WATCH,
  XARGS,
} from './wrapper-grammars.js';
import { isSensitiveVariable } from './environment.js';
import { splitFind } from './find-grammar.js';
import { dynamicWord, staticWord, type Word } from './shell-syntax.js';

/**
 * Programs that run another command, each read by its real argument grammar (argv-grammar.ts):
 * what a wrapper runs is found the way the wrapper itself finds it, and an option the spec does
 * not list denies. A nested interpreter is judged only when it is the gateway's own bash.
 */
export type Unwrapped =
  /** Not a wrapper (or a wrapper with nothing to run): judge the words as they are. */
  | { readonly kind: 'final' }
  | { readonly kind: 'problem'; readonly reason: string }
  /** Runs `words`; `via` is the wrapper with its canonical options. */
  | {
      readonly kind: 'inner';
      readonly words: readonly Word[];
      readonly via: string;
      readonly dynamicTail?: boolean;
      /** Environment variables the wrapper sets for the command. */
      readonly assignments?: readonly { readonly name: string; readonly value: string }[];
      /** The wrapper appends words from its input to the command (xargs without -I). */
      readonly inputArgs?: boolean;
      /** Files the wrapper itself writes (`time -o`). */
      readonly writes?: readonly Word[];
      /** The directory the command runs in (`env -C DIR`, `sudo -D DIR`, `chroot /`). */
      readonly cwd?: Word;
      /** Files the wrapper itself reads (`xargs -a FILE`), checked for secrets. */
      readonly reads?: readonly Word[];
      /**
       * The command runs without PATH (`env -i`, `env -u PATH`, `exec -c`): a nested bash then
       * looks programs up in its built-in default, which ends in `.`.
       */
      readonly clearsPath?: boolean;
    }
  /** Runs a bash script string (`bash -c '…'`). */
  | { readonly kind: 'script'; readonly script: Word; readonly via: string }
  | {
      readonly kind: 'find';
      readonly findArgs: readonly Word[];
      /** Commands -exec runs; `inDir` for -execdir/-okdir, which run in each match's directory. */
      readonly execs: readonly { readonly words: readonly Word[]; readonly inDir: boolean }[];
      readonly writes: readonly Word[];
    };

const problem = (reason: string): Unwrapped => ({ kind: 'problem', reason });
const has = (options: readonly ParsedOption[], ...names: string[]) =>
  options.some((o) => names.includes(o.name));
const via = (name: string, options: readonly ParsedOption[]) =>
  options.length ? `${name} ${describeOptions(options)}` : name;

/** Shells other than the gateway's bash; their grammar and start-up differ from what is judged. */
const OTHER_SHELLS = new Set([
  'sh',
  'dash',
  'zsh',
  'ksh',
  'ash',
  'mksh',
  'fish',
  'csh',
  'tcsh',
  'rbash',
  'busybox sh',
]);

function unwrapBash(args: readonly Word[]): Unwrapped {
  const parsed = parseArgv('bash', BASH, args);
  if (!parsed.ok)
    return problem(
      `${parsed.problem}; a nested bash may take only -c and --noprofile, --norc, -e, -u, -x, -f, -o`,
    );
  const bad = parsed.options.find(
    (o) => o.name === 'option' && !BASH_SET_OPTIONS.has(o.value?.value ?? ''),
  );
  if (bad) return problem(`bash -o ${bad.value?.text ?? ''} is not an option the policy knows`);
  if (!has(parsed.options, 'command')) {
    return problem(
      parsed.operands.length
        ? 'bash runs a script file, which cannot be checked'
        : 'bash without -c runs commands from its input (for example a pipe), which cannot be checked',
    );
  }
  const [script] = parsed.operands;
  if (!script) return problem('bash -c needs a command');
  return { kind: 'script', script, via: 'bash -c' };
}

/** Leading NAME=VALUE operands: env takes every word with `=` as an assignment, valid name or not. */
function takeAssignments(
  words: readonly Word[],
  allowAnyName: boolean,
): { assignments: { name: string; value: string }[]; rest: readonly Word[] } | { problem: string } {
  const assignments: { name: string; value: string }[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i];
    if (!word) break;
    if (word.value === undefined || word.glob) {
      return {
        problem: `a word known only at run time (${word.text}) stands where a variable or the command goes`,
      };
    }
    const eq = word.value.indexOf('=');
    if (eq <= 0) break;
    const name = word.value.slice(0, eq);
    if (!allowAnyName && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) break;
    assignments.push({ name, value: word.value.slice(eq + 1) });
  }
  return { assignments, rest: words.slice(i) };
}

function unwrapEnv(args: readonly Word[]): Unwrapped {
  const parsed = parseArgv('env', ENV, args);
  if (!parsed.ok) return problem(parsed.problem);
  if (has(parsed.options, 'split-string'))
    return problem('env -S splits a string into a command at run time');
  const taken = takeAssignments(parsed.operands, true);
  if ('problem' in taken) return problem(`env: ${taken.problem}`);
  if (taken.rest.length === 0) return { kind: 'final' };
  const cwd = parsed.options.find((o) => o.name === 'chdir')?.value;
  const clearsPath =
    has(parsed.options, 'ignore-environment') ||
    parsed.options.some(
      (o) => o.name === 'unset' && o.value?.value !== undefined && o.value.value === 'PATH',
    ) ||
    parsed.options.some((o) => o.name === 'unset' && o.value?.value === undefined);
  return {
    kind: 'inner',
    words: taken.rest,
    via: via('env', parsed.options),
    ...(clearsPath ? { clearsPath } : {}),
    assignments: taken.assignments,
    ...(cwd ? { cwd } : {}),
  };
}

function unwrapSudo(args: readonly Word[]): Unwrapped {
  const parsed = parseArgv('sudo', SUDO, args);
  if (!parsed.ok) return problem(parsed.problem);
  const o = parsed.options;
  if (has(o, 'edit')) return problem('sudo -e edits files interactively');
  if (has(o, 'background')) return problem('sudo -b leaves the command running in the background');
  if (has(o, 'chroot'))
    return problem('sudo -R runs the command in another root, where its program is unknown');
  if (has(o, 'remove-timestamp', 'validate'))
    return problem('sudo -K/-v changes cached credentials');
  const taken = takeAssignments(parsed.operands, false);
  if ('problem' in taken) return problem(`sudo: ${taken.problem}`);
  if (has(o, 'shell', 'login')) {
    return problem(
      taken.rest.length
        ? "sudo -s/-i runs the command through the target user's login shell, not the gateway's bash; drop -s/-i"
        : 'sudo -s/-i starts a shell that reads commands from its input',
    );
  }
  if (taken.rest.length === 0) return { kind: 'final' };
  const cwd = o.find((option) => option.name === 'chdir')?.value;
  return {
    kind: 'inner',
    words: taken.rest,
    via: via('sudo', o),
    assignments: taken.assignments,
    ...(cwd ? { cwd } : {}),
  };
}

function unwrapDoas(args: readonly Word[]): Unwrapped {
  const parsed = parseArgv('doas', DOAS, args);
  if (!parsed.ok) return problem(parsed.problem);
  if (has(parsed.options, 'shell'))
    return problem('doas -s starts a shell that reads commands from its input');
  if (parsed.operands.length === 0) return { kind: 'final' };
  return { kind: 'inner', words: parsed.operands, via: via('doas', parsed.options) };
}

/** Wrappers whose operands are the command, after options of the given grammar. */
function simple(
  name: string,
  spec: ArgvSpec,
  check?: (o: readonly ParsedOption[]) => string | undefined,
) {
  return (args: readonly Word[]): Unwrapped => {
    const parsed = parseArgv(name, spec, args);
    if (!parsed.ok) return problem(parsed.problem);
    const refused = check?.(parsed.options);
    if (refused) return problem(refused);
    if (parsed.operands.length === 0) return { kind: 'final' };
    return { kind: 'inner', words: parsed.operands, via: via(name, parsed.options) };
  };
}

/** Every wrapper the policy unwraps, by program name. */
export const WRAPPERS: Record<string, (args: readonly Word[]) => Unwrapped> = {
  env: unwrapEnv,
  sudo: unwrapSudo,
  doas: unwrapDoas,
  // A negative adjustment or the real-time class lets a long search starve the host.
  nice: simple('nice', NICE, (o) =>
    o.some((x) => x.name === 'adjustment' && !/^\+?\d+$/.test(x.value?.value ?? '-'))
      ? 'nice with a negative adjustment (or one known only at run time) raises priority; use a positive one'
      : undefined,
  ),
  ionice: (args) => {
    const parsed = parseArgv('ionice', IONICE, args);
    if (!parsed.ok) return problem(parsed.problem);
    const cls = parsed.options.find((o) => o.name === 'class')?.value?.value;
    if (cls !== undefined && !/^(2|3|best-effort|idle)$/.test(cls))
      return problem(
        'ionice -c 1 (real time) lets the command starve every other disk user; use -c 2 or 3',
      );
    if (has(parsed.options, 'pid', 'pgid', 'uid')) {
      if (parsed.operands.length)
        return problem('ionice -p/-P/-u takes process ids, not a command');
      return { kind: 'final' };
    }
    if (parsed.operands.length === 0) return { kind: 'final' };
    return { kind: 'inner', words: parsed.operands, via: via('ionice', parsed.options) };
  },
  stdbuf: simple('stdbuf', STDBUF),
  timeout: (args) => {
    const parsed = parseArgv('timeout', TIMEOUT, args);
    if (!parsed.ok) return problem(parsed.problem);
    const [duration, ...command] = parsed.operands;
    if (!duration || duration.value === undefined)
      return problem('timeout needs a duration known before it runs');
    if (command.length === 0) return problem('timeout needs a command');
    return { kind: 'inner', words: command, via: via(`timeout ${duration.value}`, parsed.options) };
  },
  nohup: simple('nohup', NOHUP),
  time: (args) => {
    const parsed = parseArgv('time', TIME, args);
    if (!parsed.ok) return problem(parsed.problem);
    if (parsed.operands.length === 0) return { kind: 'final' };
    const output = parsed.options.find((o) => o.name === 'output')?.value;
    return {
      kind: 'inner',
      words: parsed.operands,
      via: via('time', parsed.options),
      writes: output ? [output] : [],
    };
  },
  setsid: (args) => {
    const parsed = parseArgv('setsid', SETSID, args);
    if (!parsed.ok) return problem(parsed.problem);
    return problem(
      'setsid moves the command out of the session, where a timeout or cancel cannot stop it',
    );
  },
  command: (args) => {
    const parsed = parseArgv('command', COMMAND, args);
    if (!parsed.ok) return problem(parsed.problem);
    if (has(parsed.options, 'describe', 'describe-verbose') || parsed.operands.length === 0)
      return { kind: 'final' };
    return { kind: 'inner', words: parsed.operands, via: via('command', parsed.options) };
  },
  exec: (args) => {
    const inner = simple('exec', EXEC)(args);
    return inner.kind === 'inner' && inner.via.includes('--clear-environment')
      ? { ...inner, clearsPath: true }
      : inner;
  },
  builtin: (args) =>
    args.length ? { kind: 'inner', words: args, via: 'builtin' } : { kind: 'final' },
  busybox: (args) => {
    const [applet] = args;
    if (!applet) return { kind: 'final' };
    if (applet.value === undefined) return problem('busybox runs an applet known only at run time');
    if (applet.value.startsWith('-')) return { kind: 'final' };
    if (OTHER_SHELLS.has(applet.value))
      return problem(`busybox ${applet.value} is not the gateway's bash`);
    // Busybox's timeout forks a watcher into a session of its own: it outlives the command (and
    // any clean-up of the command's process group) until its time is up.
    if (applet.value === 'timeout')
      return problem(
        "busybox timeout leaves a watcher process running after the command; use coreutils' timeout",
      );
    return { kind: 'inner', words: args, via: 'busybox' };
  },
  xargs: (args) => {
    const parsed = parseArgv('xargs', XARGS, args);
    if (!parsed.ok) return problem(parsed.problem);
    const slot = parsed.options.find((o) => o.name === 'process-slot-var')?.value;
    if (slot && (slot.value === undefined || isSensitiveVariable(slot.value))) {
      return problem(
        `xargs --process-slot-var=${slot.text} sets a variable that changes what runs`,
      );
    }
    // -I R / -i[R] replace R with input anywhere in the command, its name included.
    const replace = parsed.options
      .filter((o) => o.name === 'replace-string' || o.name === 'replace')
      .map((o) => (o.value ? o.value.value : '{}'));
    if (replace.some((r) => r === undefined || r === '')) {
      return problem('xargs -I/-i is given a replace string known only at run time');
    }
    // A word holding the replace string is input, known only at run time: spelled as such, so
    // the secret check does not read `Q` or `/etc/{}` as written-out names.
    const operands = parsed.operands.map((w) =>
      replace.some((r) => r !== undefined && (w.value === undefined || w.value.includes(r)))
        ? dynamicWord(`$(xargs input: ${w.text})`)
        : w,
    );
    const words = operands.length ? operands : [staticWord('echo')];
    // -P 0 starts as many at once as there are input lines.
    const procs = parsed.options.find((o) => o.name === 'max-procs')?.value;
    if (procs && (procs.value === undefined || !/^([1-9]|1[0-6])$/.test(procs.value)))
      return problem(`xargs -P ${procs.text}: at most 16 commands run at once through the gateway`);
    // xargs reads the last -a; every one is checked.
    const argFiles = parsed.options.flatMap((o) =>
      o.name === 'arg-file' && o.value ? [o.value] : [],
    );
    // -n or -L after the last -I turns replacing off again: input words are appended.
    const names = parsed.options.map((o) => o.name);
    const lastReplace = Math.max(names.lastIndexOf('replace-string'), names.lastIndexOf('replace'));
    const appends = ['max-args', 'max-lines', 'max-lines-per'].some(
      (n) => names.lastIndexOf(n) > lastReplace,
    );
    return {
      kind: 'inner',
      words,
      via: via('xargs', parsed.options),
      dynamicTail: true,
      inputArgs: replace.length === 0 || appends,
      ...(argFiles.length ? { reads: argFiles } : {}),
    };
  },
  watch: (args) => {
    const parsed = parseArgv('watch', WATCH, args);
    if (!parsed.ok) return problem(parsed.problem);
    if (parsed.operands.length === 0) return { kind: 'final' };
    if (!has(parsed.options, 'exec')) {
      return problem(
        "watch runs its command through sh, not the gateway's bash; use watch -x bash -c '…'",
      );
    }
    return { kind: 'inner', words: parsed.operands, via: via('watch', parsed.options) };
  },
  su: (args) => {
    const parsed = parseArgv('su', SU, args);
    if (!parsed.ok) return problem(parsed.problem);
    if (parsed.operands.some((w) => w.value === '-'))
      return problem("su - reads the target user's login files before the command");
    // su takes the last -c or -s it is given; more than one is a way to hide which.
    const counted = (...names: string[]) =>
      parsed.options.filter((o) => names.includes(o.name)).length;
    if (counted('command', 'session-command') > 1 || counted('shell') > 1) {
      return problem('su is given -c or -s more than once');
    }
    const command = parsed.options.find(
      (o) => o.name === 'command' || o.name === 'session-command',
    )?.value;
    if (!command) return problem('su without -c starts a shell that reads commands from its input');
    const shell = parsed.options.find((o) => o.name === 'shell')?.value?.value;
    if (shell !== '/bin/bash' && shell !== '/usr/bin/bash') {
      return problem(
        "su -c runs the command in the target user's login shell; give -s /bin/bash so it is the gateway's bash",
      );
    }
    if (has(parsed.options, 'login'))
      return problem("su -l reads the target user's login files before the command");
    return {
      kind: 'script',
      script: command,
      via: `su ${describeOptions(parsed.options.filter((o) => o.name !== 'command'))}`.trim(),
    };
  },
  chroot: (args) => {
    const parsed = parseArgv('chroot', CHROOT, args);
    if (!parsed.ok) return problem(parsed.problem);
    const [root, ...command] = parsed.operands;
    if (!root || root.value !== '/')
      return problem('chroot into another root runs a program the policy cannot know');
    if (command.length === 0)
      return problem('chroot without a command starts an interactive shell');
    return {
      kind: 'inner',
      words: command,
      via: via('chroot /', parsed.options),
      // chroot changes into the new root unless told not to.
      ...(has(parsed.options, 'skip-chdir') ? {} : { cwd: staticWord('/') }),
    };
  },
  find: splitFind,
  bash: unwrapBash,
};

/** Nested shells that are not the gateway's bash. */
export function isOtherShell(name: string): boolean {
  return OTHER_SHELLS.has(name);
}
