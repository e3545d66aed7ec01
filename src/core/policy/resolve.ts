import { posix } from 'node:path';
import { dynamicWord, type ShellParser, type SimpleCommand, type Word } from './shell-syntax.js';

/** A command as it will really run: wrappers peeled off, program named statically. */
export interface ResolvedCommand {
  /** The program as written (`rm`, `/bin/rm`); empty for a bare redirection. */
  readonly program: string;
  readonly args: readonly Word[];
  /** More arguments arrive at run time (xargs, `find -exec … {}`). */
  readonly dynamicTail: boolean;
  /** Wrappers it was found inside, outermost first (`sudo`, `xargs`, `sh -c`). */
  readonly via: readonly string[];
  /** Files written by output redirections. */
  readonly writes: readonly Word[];
}

export interface Analysis {
  readonly commands: readonly ResolvedCommand[];
  /** Why the command cannot be judged; a problem denies it unless the profile allows the unanalysable. */
  readonly problems: readonly string[];
  /** Some part is not valid shell at all: denied under every profile. */
  readonly syntaxError?: boolean;
}

const MAX_DEPTH = 6;

/** Environment variables that change which program runs or how a shell behaves. */
const SENSITIVE_VARIABLES = new Set([
  'PATH',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'BASH_ENV',
  'ENV',
  'IFS',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'GCONV_PATH',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PERL5LIB',
  'PERL5OPT',
  'RUBYOPT',
  'NODE_OPTIONS',
  'GIT_SSH_COMMAND',
  'PAGER',
  'SYSTEMD_PAGER',
  'EDITOR',
  'VISUAL',
  'SUDO_ASKPASS',
  'HOSTALIASES',
  'TMPDIR',
]);

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'ash', 'mksh', 'fish', 'csh', 'tcsh']);
const HARMLESS_TARGETS = new Set([
  '/dev/null',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/fd/1',
  '/dev/fd/2',
]);

/** The program's base name, which is what rules and wrappers are keyed on. */
export function baseName(program: string): string {
  return posix.basename(program);
}

/** Renders a resolved command for people: `sudo → systemctl restart nginx`. */
export function describeCommand(c: ResolvedCommand): string {
  const argv = [c.program, ...c.args.map((a) => a.text)].join(' ') + (c.dynamicTail ? ' …' : '');
  const writes = c.writes.map((w) => `> ${w.text}`).join(' ');
  const body = [c.program ? argv : '', writes].filter(Boolean).join(' ');
  return c.via.length ? `${c.via.join(' → ')} → ${body}` : body;
}

/**
 * Turns a command line into the commands it would run. Wrappers (env, sudo, nice, timeout,
 * xargs, find -exec, sh -c, …) are unwrapped to what they run; what cannot be known before it
 * runs (eval, a command name from a variable, a script read from stdin) is a problem.
 */
export function analyze(
  parser: ShellParser,
  source: string,
  depth = 0,
  via: readonly string[] = [],
): Analysis {
  if (depth > MAX_DEPTH)
    return { commands: [], problems: ['commands nested too deeply (sh -c inside sh -c …)'] };
  const parsed = parser.parse(source);
  if (!parsed.ok)
    return { commands: [], problems: [...parsed.problems], syntaxError: parsed.syntaxError };
  const out: Analysis = { commands: [], problems: [] };
  for (const simple of parsed.commands) resolveSimple(parser, simple, depth, via, out);
  return out;
}

function resolveSimple(
  parser: ShellParser,
  simple: SimpleCommand,
  depth: number,
  via: readonly string[],
  out: Analysis,
): void {
  const problems = out.problems as string[];
  const commands = out.commands as ResolvedCommand[];
  const writes = simple.redirects
    .filter((r) => r.kind === 'write')
    .map((r) => r.target ?? dynamicWord('?'));
  const fileWrites = writes.filter((w) => w.value === undefined || !HARMLESS_TARGETS.has(w.value));

  if (simple.words.length === 0) {
    const [first] = simple.assignments;
    if (first) {
      problems.push(
        `sets shell variable ${first.name}, which later commands could expand unexpectedly; pass values inline instead`,
      );
    }
    if (fileWrites.length > 0)
      commands.push({ program: '', args: [], dynamicTail: false, via, writes: fileWrites });
    return;
  }
  for (const a of simple.assignments) {
    if (SENSITIVE_VARIABLES.has(a.name)) problems.push(`sets ${a.name}, which changes what runs`);
  }

  let words = [...simple.words];
  let chain = [...via];
  let dynamicTail = false;
  const emit = (program: string, args: Word[]) =>
    commands.push({ program, args, dynamicTail, via: chain, writes: fileWrites });

  for (let guard = 0; guard < 16; guard++) {
    const head = words[0];
    if (!head) return;
    if (head.value === undefined) {
      problems.push(`the command name "${head.text}" is only known at run time`);
      return;
    }
    const name = baseName(head.value);
    const args = words.slice(1);
    const unwrapped = unwrap(name, args);
    switch (unwrapped.kind) {
      case 'problem':
        problems.push(unwrapped.reason);
        return;
      case 'final':
        emit(head.value, args);
        return;
      case 'inner':
        chain = [...chain, name];
        if (unwrapped.dynamicTail) dynamicTail = true;
        for (const a of unwrapped.assignments ?? [])
          if (SENSITIVE_VARIABLES.has(a)) problems.push(`sets ${a}, which changes what runs`);
        if (unwrapped.words.length === 0) {
          // A wrapper with nothing to run (`env`, `sudo -l`) is itself the command.
          chain = chain.slice(0, -1);
          emit(head.value, args);
          return;
        }
        words = unwrapped.words;
        continue;
      case 'script': {
        if (unwrapped.script.value === undefined) {
          problems.push(`${name} runs a script that is only known at run time`);
          return;
        }
        const nested = analyze(parser, unwrapped.script.value, depth + 1, [...chain, `${name} -c`]);
        commands.push(
          ...nested.commands.map((c) =>
            fileWrites.length ? { ...c, writes: [...c.writes, ...fileWrites] } : c,
          ),
        );
        problems.push(...nested.problems);
        if (nested.syntaxError) (out as { syntaxError?: boolean }).syntaxError = true;
        if (unwrapped.alsoRuns) emit(head.value, args);
        return;
      }
      case 'find': {
        emit(head.value, unwrapped.findArgs);
        for (const inner of unwrapped.execs) {
          const before = commands.length;
          resolveSimple(
            parser,
            { words: inner, assignments: [], redirects: [] },
            depth,
            [...chain, 'find -exec'],
            out,
          );
          commands.splice(
            before,
            Infinity,
            ...commands.slice(before).map((c) => ({ ...c, dynamicTail: true })),
          );
        }
        return;
      }
    }
  }
  problems.push('too many nested wrappers');
}

type Unwrapped =
  | { kind: 'final' }
  | { kind: 'problem'; reason: string }
  | { kind: 'inner'; words: Word[]; dynamicTail?: boolean; assignments?: string[] }
  | { kind: 'script'; script: Word; alsoRuns?: boolean }
  | { kind: 'find'; findArgs: Word[]; execs: Word[][] };

/** Skips leading options; `withValue` options consume the next word unless written `-oVALUE`/`--opt=VALUE`. */
function skipOptions(
  args: Word[],
  withValue: ReadonlySet<string>,
  stopAtFirstNonOption = true,
): { rest: Word[]; seen: string[] } | undefined {
  const seen: string[] = [];
  let i = 0;
  for (let arg = args[i]; arg; arg = args[i]) {
    const v = arg.value;
    if (v === undefined) return undefined;
    if (v === '--') return { rest: args.slice(i + 1), seen };
    if (!v.startsWith('-') || v === '-') break;
    seen.push(v);
    const flag = v.startsWith('--') ? v.replace(/=.*$/s, '') : v.slice(0, 2);
    const attached = v.startsWith('--') ? v.includes('=') : v.length > 2;
    i += withValue.has(flag) && !attached ? 2 : 1;
    if (!stopAtFirstNonOption) continue;
  }
  return { rest: args.slice(i), seen };
}

const unknownOptions = (name: string): Unwrapped => ({
  kind: 'problem',
  reason: `${name} options are only known at run time`,
});

function unwrap(name: string, args: Word[]): Unwrapped {
  switch (name) {
    case 'eval':
      return { kind: 'problem', reason: 'eval runs a string built at run time' };
    case 'source':
    case '.':
      return {
        kind: 'problem',
        reason: `${name} runs commands from a file, which cannot be checked`,
      };
    case 'alias':
    case 'unalias':
    case 'enable':
    case 'trap':
    case 'set':
    case 'shopt':
      return { kind: 'problem', reason: `${name} changes how later commands are interpreted` };
    case 'exec':
    case 'builtin':
    case 'nohup':
      return { kind: 'inner', words: args };
    case 'command': {
      if (args[0]?.value === '-v' || args[0]?.value === '-V') return { kind: 'final' };
      const s = skipOptions(args, new Set());
      return s ? { kind: 'inner', words: s.rest } : unknownOptions(name);
    }
    case 'time': {
      const s = skipOptions(args, new Set(['-f', '-o', '--format', '--output']));
      return s ? { kind: 'inner', words: s.rest } : unknownOptions(name);
    }
    case 'nice':
    case 'ionice':
    case 'stdbuf': {
      const s = skipOptions(
        args,
        new Set([
          '-n',
          '-c',
          '-p',
          '-i',
          '-o',
          '-e',
          '--adjustment',
          '--class',
          '--classdata',
          '--input',
          '--output',
          '--error',
        ]),
      );
      if (!s) return unknownOptions(name);
      if (name === 'ionice' && s.seen.some((o) => o.startsWith('-p'))) return { kind: 'final' };
      return { kind: 'inner', words: s.rest };
    }
    case 'timeout': {
      const s = skipOptions(args, new Set(['-s', '-k', '--signal', '--kill-after']));
      if (!s) return unknownOptions(name);
      return { kind: 'inner', words: s.rest.slice(1) };
    }
    case 'env': {
      const s = skipOptions(args, new Set(['-u', '-C', '--unset', '--chdir']));
      if (!s) return unknownOptions(name);
      if (
        s.seen.some(
          (o) =>
            o === '-S' ||
            o.startsWith('--split-string') ||
            (o.startsWith('-') && !o.startsWith('--') && o.includes('S')),
        )
      ) {
        return { kind: 'problem', reason: 'env -S splits a string into a command at run time' };
      }
      const assignments: string[] = [];
      let rest = s.rest;
      while (rest[0]?.value?.includes('=') && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0].value)) {
        assignments.push(rest[0].value.replace(/=.*$/s, ''));
        rest = rest.slice(1);
      }
      if (rest[0] && rest[0].value === undefined)
        return {
          kind: 'problem',
          reason: 'env runs a command whose name is only known at run time',
        };
      return { kind: 'inner', words: rest, assignments };
    }
    case 'sudo':
    case 'doas': {
      const s = skipOptions(
        args,
        new Set([
          '-C',
          '-D',
          '-g',
          '-h',
          '-p',
          '-R',
          '-r',
          '-t',
          '-T',
          '-U',
          '-u',
          '--close-from',
          '--chdir',
          '--group',
          '--host',
          '--prompt',
          '--chroot',
          '--role',
          '--type',
          '--command-timeout',
          '--other-user',
          '--user',
        ]),
      );
      if (!s) return unknownOptions(name);
      if (s.seen.some((o) => o === '-e' || o === '--edit'))
        return { kind: 'problem', reason: 'sudo -e edits files interactively' };
      const assignments: string[] = [];
      let rest = s.rest;
      while (rest[0]?.value && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0].value)) {
        assignments.push(rest[0].value.replace(/=.*$/s, ''));
        rest = rest.slice(1);
      }
      if (rest.length === 0 && s.seen.some((o) => ['-s', '-i', '--shell', '--login'].includes(o))) {
        return {
          kind: 'problem',
          reason: `${name} ${s.seen.join(' ')} starts a shell that reads commands from its input`,
        };
      }
      return { kind: 'inner', words: rest, assignments };
    }
    case 'xargs': {
      const s = skipOptions(
        args,
        new Set([
          '-a',
          '-d',
          '-E',
          '-e',
          '-I',
          '-L',
          '-n',
          '-P',
          '-s',
          '--arg-file',
          '--delimiter',
          '--eof',
          '--max-lines',
          '--max-args',
          '--max-procs',
          '--max-chars',
          '--process-slot-var',
        ]),
      );
      if (!s) return unknownOptions(name);
      return {
        kind: 'inner',
        words: s.rest.length ? s.rest : [{ text: 'echo', value: 'echo', glob: false }],
        dynamicTail: true,
      };
    }
    case 'busybox':
      return args.length ? { kind: 'inner', words: args } : { kind: 'final' };
    case 'watch': {
      const s = skipOptions(
        args,
        new Set(['-n', '-d', '--interval', '--differences', '-q', '--equexit']),
      );
      if (!s || s.rest.length === 0) return s ? { kind: 'final' } : unknownOptions(name);
      if (s.seen.some((o) => o === '-x' || o === '--exec')) return { kind: 'inner', words: s.rest };
      return { kind: 'script', script: joinWords(s.rest) };
    }
    case 'su': {
      const i = args.findIndex((a) => a.value === '-c' || a.value === '--command');
      if (i === -1)
        return args.some((a) => a.value === undefined) ? unknownOptions(name) : { kind: 'final' };
      return { kind: 'script', script: args[i + 1] ?? dynamicWord('') };
    }
    case 'find':
      return splitFind(args);
    default:
      if (SHELLS.has(name)) return unwrapShell(name, args);
      return { kind: 'final' };
  }
}

function unwrapShell(name: string, args: Word[]): Unwrapped {
  for (const [i, arg] of args.entries()) {
    const v = arg.value;
    if (v === undefined)
      return { kind: 'problem', reason: `${name} is given arguments only known at run time` };
    if (v === '--' || (!v.startsWith('-') && !v.startsWith('+'))) break;
    if (/^-[A-Za-z]*c[A-Za-z]*$/.test(v))
      return { kind: 'script', script: args[i + 1] ?? dynamicWord('') };
    if (/^-[A-Za-z]*s/.test(v))
      return {
        kind: 'problem',
        reason: `${name} -s runs commands from its input, which cannot be checked`,
      };
  }
  const script = args.find((a) => !a.value?.startsWith('-'));
  if (!script)
    return {
      kind: 'problem',
      reason: `${name} without -c runs commands from its input (for example a pipe), which cannot be checked`,
    };
  return { kind: 'final' };
}

/** `find … -exec cmd … ;` runs cmd; the find itself keeps its other arguments. */
function splitFind(args: Word[]): Unwrapped {
  const findArgs: Word[] = [];
  const execs: Word[][] = [];
  for (let i = 0, arg = args[0]; arg; arg = args[++i]) {
    const v = arg.value;
    findArgs.push(arg);
    if (v === '-exec' || v === '-execdir' || v === '-ok' || v === '-okdir') {
      const inner: Word[] = [];
      for (let w = args[++i]; w && w.value !== ';' && w.value !== '+'; w = args[++i]) {
        inner.push(w.value === '{}' ? dynamicWord('{}') : w);
      }
      if (inner.length === 0) return { kind: 'problem', reason: `find ${v} without a command` };
      execs.push(inner);
    }
  }
  return { kind: 'find', findArgs, execs };
}

function joinWords(words: Word[]): Word {
  const text = words.map((w) => w.text).join(' ');
  return words.every((w) => w.value !== undefined)
    ? { text, value: words.map((w) => w.value).join(' '), glob: false }
    : dynamicWord(text);
}
