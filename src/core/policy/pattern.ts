import { posix } from 'node:path';
import { baseName, type ResolvedCommand } from './resolve.js';
import type { Word } from './shell-syntax.js';
import { InvalidInputError } from '../errors.js';

/**
 * Rule patterns: a program glob followed by argument tokens, split like shell words
 * (`journalctl -u * --since "1 hour ago"`). `*` as a token is exactly one argument, `**` any
 * number; inside a token `*` and `?` match within one path segment and `**` across segments.
 */
export interface CommandPattern {
  readonly text: string;
  /** The program token when it has no glob characters: rules are indexed by it. */
  readonly literalProgram?: string;
  readonly program: RegExp;
  readonly programHasSlash: boolean;
  readonly args: readonly ArgToken[];
}

/**
 * `re` keeps `*` within a path segment (allow rules: `/var/log/*` is not `/var/log/../x`);
 * in an option token (`-o*`, `--output=*`) `loose` lets it run across `/` for deny and approve
 * rules: `sort -o*` must catch `-o/tmp/x`.
 */
type ArgToken = { kind: 'one' } | { kind: 'rest' } | { kind: 'glob'; re: RegExp; loose: RegExp };

/** How to treat a word whose value is only known at run time. */
export type MatchMode = 'certain' | 'possible';

/** Splits a pattern into shell-like words; throws with a message on unbalanced quotes. */
export function splitPattern(text: string): string[] {
  const tokens: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
      else current = (current ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current ??= '';
    } else if (/\s/.test(c)) {
      if (current !== undefined) tokens.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (quote) throw new InvalidInputError(`unbalanced ${quote} in pattern`);
  if (current !== undefined) tokens.push(current);
  return tokens;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export function parsePattern(text: string): CommandPattern {
  const tokens = splitPattern(text);
  const [program, ...args] = tokens;
  if (!program) throw new InvalidInputError('empty pattern');
  return {
    text,
    ...(/[*?[]/.test(program) ? {} : { literalProgram: program }),
    program: globToRegExp(program),
    programHasSlash: program.includes('/'),
    args: args.map((t): ArgToken =>
      t === '*'
        ? { kind: 'one' }
        : t === '**'
          ? { kind: 'rest' }
          : {
              kind: 'glob',
              re: globToRegExp(t),
              loose: t.startsWith('-') ? globToRegExp(t.replace(/\*+/g, '**')) : globToRegExp(t),
            },
    ),
  };
}

/**
 * Absolute paths are lexically normalised, so `/var/log/../../etc/shadow` is judged as
 * `/etc/shadow` — also as the value of `--opt=/path`. Anything else (URLs, relative paths) is
 * compared as written.
 */
export function normalizeArg(value: string): string {
  if (value.startsWith('-')) {
    const eq = value.indexOf('=');
    return eq > 0 ? value.slice(0, eq + 1) + normalizeArg(value.slice(eq + 1)) : value;
  }
  return value.startsWith('/') ? posix.normalize(value) : value;
}

const TAIL = Symbol('dynamic tail');
type Arg = Word | typeof TAIL;

function tokenMatches(token: ArgToken, arg: Word, mode: MatchMode): boolean {
  if (token.kind !== 'glob') return true;
  if (arg.value === undefined) return mode === 'possible';
  return (mode === 'possible' ? token.loose : token.re).test(normalizeArg(arg.value));
}

/**
 * Whether a command matches. In `certain` mode (allow rules) a run-time value matches only `*`
 * or `**`; in `possible` mode (deny and approve rules) it matches anything it could turn out to be.
 */
export function matchCommand(
  pattern: CommandPattern,
  command: ResolvedCommand,
  mode: MatchMode,
): boolean {
  if (!command.program) return false;
  const program = pattern.programHasSlash
    ? posix.normalize(command.program)
    : baseName(command.program);
  if (!pattern.program.test(program)) return false;
  const args: Arg[] = command.dynamicTail ? [...command.args, TAIL] : [...command.args];
  const tokens = pattern.args;
  const memo = new Map<number, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = i * 4096 + j;
    const cached = memo.get(key);
    if (cached !== undefined) return cached;
    let result: boolean;
    const token = tokens[j];
    if (token === undefined) {
      // Unknown extra arguments can only be matched by a trailing `**` — unless we only ask what is possible.
      result =
        i === args.length || (i === args.length - 1 && args[i] === TAIL && mode === 'possible');
    } else {
      const arg = args[i];
      if (token.kind === 'rest') result = match(i, j + 1) || (i < args.length && match(i + 1, j));
      else if (arg === undefined) result = false;
      else if (arg === TAIL)
        result = mode === 'possible' && (match(i, j + 1) || match(i + 1, j + 1));
      else result = tokenMatches(token, arg, mode) && match(i + 1, j + 1);
    }
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** Whether a written file matches a path glob. */
export function matchPath(glob: RegExp, target: Word, mode: MatchMode): boolean {
  if (target.value === undefined) return mode === 'possible';
  return glob.test(normalizeArg(target.value));
}
