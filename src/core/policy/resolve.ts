import { posix } from 'node:path';
import {
  dynamicWord,
  globMayStartWithDash,
  type ShellParser,
  type SimpleCommand,
  type Word,
} from './shell-syntax.js';
import { variableProblem } from './environment.js';
import { isOtherShell, WRAPPERS, type Unwrapped } from './wrappers.js';
import { judgeProgram } from './program-spec.js';
import { PROGRAMS } from './programs/index.js';
import type { Risk } from './risk.js';
import { secretFile, secretTree } from './secrets.js';

/** A command as it will really run: wrappers peeled off, program named statically. */
export interface ResolvedCommand {
  /** The program as written (`rm`, `/bin/rm`); empty for a bare redirection. */
  readonly program: string;
  readonly args: readonly Word[];
  /** More arguments arrive at run time (xargs, `find -exec … {}`). */
  readonly dynamicTail: boolean;
  /** Wrappers it was found inside, outermost first, with their canonical options (`sudo --user=web`). */
  readonly via: readonly string[];
  /** Files written by output redirections, and by the program where its spec says so (`sort -o`). */
  readonly writes: readonly Word[];
  /**
   * What the program's spec makes of it: the argv as the program reads it (sub-commands by
   * canonical name, then `--long=value` options, then operands), the highest risk of what it
   * changes, and what that is. Absent when no spec backs the decision (rules judge the words).
   */
  readonly spec?: {
    readonly canonical: readonly Word[];
    /** The files its options and operands write (also in `writes`). */
    readonly writes: readonly Word[];
    readonly risk: Risk;
    readonly does: readonly string[];
  };
  /** Why it would read a secret (shadow, a private key, the gateway's files): denied everywhere. */
  readonly secret?: string;
}

export interface Analysis {
  readonly commands: readonly ResolvedCommand[];
  /** Why the command cannot be judged; a problem denies it unless the profile allows the unanalysable. */
  readonly problems: readonly string[];
  /** Some part is not valid shell at all: denied under every profile. */
  readonly syntaxError?: boolean;
}

const MAX_DEPTH = 6;

/**
 * Only /dev/null: /dev/stdout, /dev/fd/N and the like reopen whatever file the descriptor points
 * to (`echo x 1<f >/dev/stdout` writes f), so they are writes like any other.
 */
const HARMLESS_TARGETS = new Set(['/dev/null']);

/** Where the pinned PATH finds programs; a program named by any other path is unknown. */
const SYSTEM_DIRS = new Set(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);

/** Builtins that evaluate strings as code, or change how later words and commands are read. */
const REFUSED_BUILTINS: Record<string, string> = {
  eval: 'eval runs a string built at run time',
  source: 'source runs commands from a file, which cannot be checked',
  '.': '. runs commands from a file, which cannot be checked',
  alias: 'alias changes how later commands are interpreted',
  unalias: 'unalias changes how later commands are interpreted',
  enable: 'enable changes which builtins exist',
  trap: 'trap runs a string as a command later',
  set: 'set changes how later commands are interpreted',
  shopt: 'shopt changes how later commands are interpreted',
  hash: 'hash changes which program a name runs',
  bind: 'bind changes how input is read',
  complete: 'complete -C runs a command later',
  compgen: 'compgen -C runs a command',
  compopt: 'compopt changes completion',
  fc: 'fc runs commands from the history',
  history: 'history changes the history',
  let: 'let evaluates its arguments as arithmetic, which can run code',
  mapfile: 'mapfile -C runs a string as a command',
  readarray: 'readarray -C runs a string as a command',
  coproc: 'coproc leaves a command running in the background',
  declare: 'declare changes variables for later commands',
  typeset: 'typeset changes variables for later commands',
  local: 'local changes variables for later commands',
  export: 'export changes the environment of later commands',
  readonly: 'readonly changes variables for later commands',
  unset: 'unset changes variables for later commands',
  getopts: 'getopts assigns variables',
  read: 'read assigns variables from its input, which later expansions would use',
};

/** Programs none of whose options change anything, so a run-time word may be one. */
const OPTION_FREE = new Set(['echo', 'printf', '[[', 'true', 'false', ':']);

/**
 * A word that could turn into an option at run time: an expansion or substitution that may
 * begin with `-`, or a glob that may match a file named like one (`*` in a directory holding
 * `-o…`). After a literal `--` words are operands. `inputArgs`: xargs appends words from its
 * input, which are options unless the command ends with `--`.
 */
function runTimeOption(args: readonly Word[], inputArgs: boolean): string | undefined {
  for (const arg of args) {
    if (arg.value === '--') return undefined;
    if (arg.value === undefined && !arg.notOption) return `"${arg.text}" (known only at run time)`;
    if (arg.glob && arg.value !== undefined && globMayStartWithDash(arg.value)) {
      return `"${arg.text}" (a pattern that may match a file named like an option)`;
    }
  }
  return inputArgs ? 'the words xargs appends from its input' : undefined;
}

/** `word` as a path from `cwd`, when it is relative and the command does not run in the home. */
function rebase(word: Word, cwd: Word | undefined): Word {
  if (!cwd || word.notSecret || word.value?.startsWith('/') || word.value?.startsWith('~'))
    return word;
  // Under a directory known only at run time, a relative name could be anything there.
  if (cwd.value === undefined) return { text: `${cwd.text}/${word.text}`, glob: false };
  if (word.value === undefined) return { text: `${cwd.text}/${word.text}`, glob: false };
  return {
    ...word,
    text: posix.join(cwd.value, word.value),
    value: posix.join(cwd.value, word.value),
  };
}

function firstOf(words: readonly Word[], check: (w: Word) => string | undefined) {
  for (const word of words) {
    const found = check(word);
    if (found) return found;
  }
  return undefined;
}

/** The program's base name, which is what rules and wrappers are keyed on. */
export function baseName(program: string): string {
  return posix.basename(program);
}

/** Renders a resolved command for people: `sudo → systemctl restart nginx`. */
export function describeCommand(c: ResolvedCommand): string {
  const argv = [c.program, ...c.args.map((a) => a.text)].join(' ') + (c.dynamicTail ? ' …' : '');
  // Files the argv itself names (`sort -o x`) are already shown in it.
  const writes = c.writes
    .filter((w) => !c.spec?.writes.includes(w))
    .map((w) => `> ${w.text}`)
    .join(' ');
  const body = [c.program ? argv : '', writes].filter(Boolean).join(' ');
  return c.via.length ? `${c.via.join(' → ')} → ${body}` : body;
}

/**
 * Turns a command line into the commands it would run. Wrappers are unwrapped by their real
 * argument grammars (wrappers.ts) to what they run; what cannot be known before it runs (eval,
 * a command name from a variable, a script read from stdin, another shell) is a problem.
 */
export function analyze(
  parser: ShellParser,
  source: string,
  depth = 0,
  via: readonly string[] = [],
  cwd?: Word,
): Analysis {
  if (depth > MAX_DEPTH)
    return { commands: [], problems: ['commands nested too deeply (bash -c inside bash -c …)'] };
  const parsed = parser.parse(source);
  if (!parsed.ok)
    return { commands: [], problems: [...parsed.problems], syntaxError: parsed.syntaxError };
  const out: Analysis = { commands: [], problems: [] };
  for (const simple of parsed.commands) resolveSimple(parser, simple, depth, via, out, cwd);
  return out;
}

/** Why a program word cannot be judged, or undefined when it names a program statically. */
function programProblem(head: Word): string | undefined {
  if (head.value === undefined) return `the command name "${head.text}" is only known at run time`;
  if (head.glob)
    return `the command name "${head.text}" is a pattern the shell expands at run time`;
  if (head.value === '') return 'the command name is empty';
  if (head.value.includes('/')) {
    const dir = posix.dirname(head.value);
    if (!SYSTEM_DIRS.has(dir) || posix.basename(head.value) === '..') {
      return `"${head.value}" is not in ${[...SYSTEM_DIRS].join(', ')}, so the policy cannot know what it runs; name the program without a path`;
    }
  }
  return undefined;
}

/** Builtins whose options evaluate code: `printf -v`, `test -v`, `[ -v`. */
function builtinProblem(name: string, args: readonly Word[]): string | undefined {
  const refused = REFUSED_BUILTINS[name];
  if (refused) return refused;
  if (
    name === 'printf' &&
    args[0] &&
    (args[0].value === undefined || args[0].value.startsWith('-v'))
  ) {
    return 'printf -v assigns a variable named at run time, which can run code';
  }
  if (name === 'test' || name === '[') {
    if (args.some((a) => a.value === '-v')) {
      return `${name} -v evaluates a variable name, which can run code`;
    }
    if (args.some((a) => a.value === undefined)) {
      return `${name} is given a word known only at run time, which could become an operator (-v runs code); use [[ … ]]`;
    }
  }
  return undefined;
}

/** Redirections no command may make: reads on other descriptors, terminals, run-time names, sockets. */
function redirectProblems(redirects: SimpleCommand['redirects']): string[] {
  const problems: string[] = [];
  for (const r of redirects) {
    if (!r.target) continue;
    const device = r.target.value?.startsWith('/') ? posix.normalize(r.target.value) : '';
    if (r.kind === 'read' && r.fd !== undefined && r.fd > 0) {
      // A read-only descriptor handed on with >&N is how a terminal reaches stdout (nohup).
      problems.push(
        `opens a file for reading on descriptor ${r.fd}; only standard input may be read`,
      );
    } else if (r.kind === 'read' && /^\/dev\/(ptmx|pts\/|tty|char\/)/.test(device)) {
      problems.push(`reads from a terminal device (${r.target.text})`);
    } else if (r.target.value === undefined && r.kind === 'read') {
      problems.push(`reads from "${r.target.text}", a file named only at run time`);
    } else if (r.target.value !== undefined && /^\/dev\/(tcp|udp)\//.test(r.target.value)) {
      problems.push(`opens a network connection through ${r.target.value}`);
    }
  }
  return problems;
}

/** Why a command's head cannot be judged: a path outside the system, run-time, a risky builtin, another shell. */
function headProblem(head: Word, args: readonly Word[]): string | undefined {
  const refused = programProblem(head);
  if (refused || head.value === undefined)
    return refused ?? 'the command name is only known at run time';
  const name = baseName(head.value);
  return (
    builtinProblem(name, args) ??
    (isOtherShell(name)
      ? `${name} is not the gateway's bash: commands run under bash, so run it directly or with bash -c`
      : undefined)
  );
}

/**
 * What a simple command has gathered while its wrappers were peeled off (`sudo env -C /x nice …`):
 * the words still to run, the wrappers passed, and what they add — writes, reads, a directory.
 */
interface Unwrapping {
  words: readonly Word[];
  chain: readonly string[];
  dynamicTail: boolean;
  allWrites: readonly Word[];
  inputArgs: boolean;
  cwd: Word | undefined;
  readonly wrapperReads: Word[];
  clearsPath: boolean;
  /** Files the shell's own redirections read (opened where the command runs). */
  readonly redirectReads: readonly Word[];
}

function resolveSimple(
  parser: ShellParser,
  simple: SimpleCommand,
  depth: number,
  via: readonly string[],
  out: Analysis,
  startDir?: Word,
): void {
  const problems = out.problems as string[];
  const writes = simple.redirects
    .filter((r) => r.kind === 'write')
    .map((r) => r.target ?? dynamicWord('?'));
  const fileWrites = writes.filter((w) => w.value === undefined || !HARMLESS_TARGETS.has(w.value));
  problems.push(...redirectProblems(simple.redirects));

  // The shell opens redirections where it runs: under `env -C DIR bash -c '…'`, in DIR.
  const redirectReads = simple.redirects.flatMap((r) =>
    r.kind === 'read' && r.target ? [rebase(r.target, startDir)] : [],
  );
  if (simple.words.length === 0)
    return resolveNoCommand(simple, via, redirectReads, fileWrites, out);
  for (const a of simple.assignments) {
    const problem = variableProblem(a.name, a.value);
    if (problem) problems.push(problem);
  }

  const state: Unwrapping = {
    words: [...simple.words],
    chain: [...via],
    dynamicTail: false,
    allWrites: fileWrites,
    inputArgs: false,
    cwd: startDir,
    wrapperReads: [],
    clearsPath: false,
    redirectReads,
  };
  for (let guard = 0; guard < 16; guard++) {
    const [head, ...args] = state.words;
    if (!head) return;
    const refused = headProblem(head, args);
    if (refused || head.value === undefined) {
      problems.push(refused ?? 'the command name is only known at run time');
      return;
    }
    const name = baseName(head.value);
    const unwrap = WRAPPERS[name];
    const unwrapped = unwrap ? unwrap(args) : { kind: 'final' as const };
    switch (unwrapped.kind) {
      case 'problem':
        problems.push(unwrapped.reason);
        return;
      case 'final':
        emit(state, out, head.value, args);
        return;
      case 'inner':
        peel(state, unwrapped, problems);
        continue;
      case 'script':
        resolveScript(parser, state, unwrapped, name, depth, out);
        return;
      case 'find':
        resolveFind(parser, state, unwrapped, head.value, depth, out);
        return;
    }
  }
  problems.push('too many nested wrappers');
}

/** Only assignments and redirections (`> file`, `X=1`): what they read and write is judged. */
function resolveNoCommand(
  simple: SimpleCommand,
  via: readonly string[],
  redirectReads: readonly Word[],
  fileWrites: readonly Word[],
  out: Analysis,
): void {
  const commands = out.commands as ResolvedCommand[];
  const secret = firstOf(redirectReads, secretFile);
  if (secret) commands.push({ program: '', args: [], dynamicTail: false, via, writes: [], secret });
  const [first] = simple.assignments;
  if (first) {
    (out.problems as string[]).push(
      `sets shell variable ${first.name}, which later commands could expand unexpectedly; pass values inline instead`,
    );
  }
  if (fileWrites.length > 0)
    commands.push({ program: '', args: [], dynamicTail: false, via, writes: fileWrites });
}

/** `find`: judged itself, then each command its -exec runs, in a place known only at run time. */
function resolveFind(
  parser: ShellParser,
  state: Unwrapping,
  unwrapped: Extract<Unwrapped, { kind: 'find' }>,
  program: string,
  depth: number,
  out: Analysis,
): void {
  const commands = out.commands as ResolvedCommand[];
  state.allWrites = [...state.allWrites, ...unwrapped.writes];
  emit(state, out, program, unwrapped.findArgs);
  for (const inner of unwrapped.execs) {
    const before = commands.length;
    resolveSimple(
      parser,
      { words: inner.words, assignments: [], redirects: [] },
      depth,
      [...state.chain, 'find -exec'],
      out,
      // -execdir runs in the directory of each file found, known only at run time.
      inner.inDir ? dynamicWord('$(dirname {})') : state.cwd,
    );
    commands.splice(
      before,
      Infinity,
      ...commands.slice(before).map((c) => ({ ...c, dynamicTail: true })),
    );
  }
}

/** One wrapper peeled off: what it runs becomes the words, and what it adds is kept. */
function peel(
  state: Unwrapping,
  unwrapped: Extract<Unwrapped, { kind: 'inner' }>,
  problems: string[],
): void {
  state.chain = [...state.chain, unwrapped.via];
  if (unwrapped.dynamicTail) state.dynamicTail = true;
  if (unwrapped.inputArgs) state.inputArgs = true;
  for (const a of unwrapped.assignments ?? []) {
    const problem = variableProblem(a.name, a.value);
    if (problem) problems.push(problem);
  }
  if (unwrapped.writes?.length) state.allWrites = [...state.allWrites, ...unwrapped.writes];
  if (unwrapped.cwd) state.cwd = rebase(unwrapped.cwd, state.cwd);
  if (unwrapped.reads) state.wrapperReads.push(...unwrapped.reads.map((w) => rebase(w, state.cwd)));
  if (unwrapped.clearsPath) state.clearsPath = true;
  state.words = [...unwrapped.words];
}

/** `bash -c '…'`: the script is analysed as a command line of its own, under the wrappers so far. */
function resolveScript(
  parser: ShellParser,
  state: Unwrapping,
  unwrapped: Extract<Unwrapped, { kind: 'script' }>,
  name: string,
  depth: number,
  out: Analysis,
): void {
  const problems = out.problems as string[];
  if (state.clearsPath) {
    problems.push(
      `${name} runs without PATH here (env -i, env -u PATH, exec -c), so it would look programs up in its default, which ends in .; keep PATH`,
    );
    return;
  }
  if (unwrapped.script.value === undefined) {
    problems.push(`${name} runs a script that is only known at run time`);
    return;
  }
  const nested = analyze(
    parser,
    unwrapped.script.value,
    depth + 1,
    [...state.chain, unwrapped.via],
    state.cwd,
  );
  (out.commands as ResolvedCommand[]).push(
    ...nested.commands.map((c) =>
      state.allWrites.length ? { ...c, writes: [...c.writes, ...state.allWrites] } : c,
    ),
  );
  problems.push(...nested.problems);
  if (nested.syntaxError) (out as { syntaxError?: boolean }).syntaxError = true;
}

/**
 * The command the wrappers ran, judged: by its program's spec when it has one (its reads, writes,
 * risk and canonical form), else every written-out argument taken as a file it may read. Words
 * xargs appends are judged as run-time ones.
 */
function emit(state: Unwrapping, out: Analysis, program: string, given: readonly Word[]): void {
  const problems = out.problems as string[];
  const commands = out.commands as ResolvedCommand[];
  /** A relative file is read where the command runs: under `env -C DIR` that is DIR, not home. */
  const where = (w: Word): Word => rebase(w, state.cwd);
  const { inputArgs, dynamicTail, chain, allWrites } = state;
  const otherReads = [...state.redirectReads, ...state.wrapperReads];
  let args = given;
  const name = baseName(program);
  const spec = WRAPPERS[name] ? undefined : PROGRAMS.get(name);
  // After a literal --, the words xargs appends are operands: judged as run-time ones.
  const appendedWord: Word = { text: '$(xargs input)', glob: false, notOption: true };
  if (inputArgs && args.some((a) => a.value === '--')) args = [...args, appendedWord];
  if (spec) {
    const judged = judgeProgram(spec, args);
    // Words xargs appends are options to a program that has any; echo's are only text.
    const textOnly = spec.rawArgs && spec.operands.kind === 'text' && !spec.operands.judge;
    const appended = inputArgs && !textOnly ? runTimeOption(args, inputArgs) : undefined;
    if (!judged.ok || appended) {
      problems.push(
        judged.ok
          ? `${name} could read ${appended ?? ''} as options; end its arguments with --`
          : judged.problem,
      );
      return;
    }
    const secret =
      judged.secret ??
      firstOf(otherReads, secretFile) ??
      firstOf(judged.reads.map(where), judged.recursive ? secretTree : secretFile);
    commands.push({
      program,
      args,
      dynamicTail,
      via: chain,
      writes: [...allWrites, ...judged.writes],
      spec: {
        canonical: judged.canonical,
        writes: judged.writes,
        risk: judged.risk,
        does: judged.does,
      },
      ...(secret ? { secret } : {}),
    });
    return;
  }
  // Programs with a grammar of their own (wrappers, find) have checked their option positions.
  if (!WRAPPERS[name] && !OPTION_FREE.has(name)) {
    const option = runTimeOption(args, inputArgs);
    if (option) {
      problems.push(
        `${name} could read ${option} as an option; write it out, quote it after a fixed start ("/proc/$(…)/status"), or put it after --`,
      );
      return;
    }
  }
  // Without a spec, any written-out argument may name a file the program reads.
  const secret =
    firstOf(otherReads, secretFile) ?? firstOf(args.map(where), (a) => secretFile(a, true));
  commands.push({
    program,
    args,
    dynamicTail,
    via: chain,
    writes: allWrites,
    ...(secret ? { secret } : {}),
  });
}
