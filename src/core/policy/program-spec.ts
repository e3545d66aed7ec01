import { parseArgv, type ArgvSpec, type OptionSpec, type ParsedOption } from './argv-grammar.js';
import type { Risk } from './risk.js';
import { staticWord, type Word } from './shell-syntax.js';
import { InternalError } from '../errors.js';

/**
 * A program the built-in profiles allow, described by its real grammar: options (written as its
 * `--help` prints them), sub-commands by canonical name, and what its operands are. What an
 * option, operand or sub-command does beyond reading and printing is its effect; reading is the
 * default. Anything not in the spec — an option, a sub-command, an abbreviation — denies.
 *
 * Option syntax: `-o, --output=OUT`, `-f, --follow[=HOW]` (value only attached), `-n N`, `--all`;
 * with `singleDash`, `-json`. The placeholder says what a value is: `FILE` a file read, `OUT` a
 * file written, `PATTERN` a file pattern the program expands itself, `NAME` a name that may not
 * be a path (`/`, `..`); anything else is text.
 */
export type Effect =
  /** Changes the state of the system; `risk` is medium for routine control, high for the rest. */
  | { readonly risk: Risk; readonly does: string }
  /** Runs a program, loads code or reaches another host: cannot be judged, so it is refused. */
  | { readonly refused: string }
  /** Reads a secret: denied in every profile. */
  | { readonly secret: string };

export interface OptionGroup {
  /** Why these options are safe, or what they do (shown in docs/policy.md). */
  readonly why: string;
  readonly options: readonly string[];
  readonly effect?: Effect;
  /** Their optional values may be the next word when it matches (journalctl `-b -1`). */
  readonly nextValue?: RegExp;
  /** These options make the program read whole trees under its file operands (`grep -r`). */
  readonly recursive?: boolean;
}

export type OperandKind =
  /** Files whose contents are read. */
  | 'files'
  /** Paths whose names or metadata are read, not their contents. */
  | 'paths'
  /** Names (services, units, users) that may not contain `/` or `..`. */
  | 'names'
  /** Files the program writes. */
  | 'writes'
  | 'text'
  | 'none';

export interface Operands {
  readonly kind: OperandKind;
  /** For docs, when the kind alone does not say it: `a unit name`, `[+FORMAT]`. */
  readonly about?: string;
  readonly max?: number;
  /** The first operand is a pattern, not a file, unless one of these options gives it (grep -e). */
  readonly patternFirstUnless?: readonly string[];
  /** Judges the operands as a whole: `date MMDDhhmm` sets the clock, `kill -1` kills everything. */
  readonly judge?: (
    operands: readonly Word[],
    options: readonly ParsedOption[],
  ) => Effect | OperandRoles | undefined;
}

/**
 * What a judge says each operand is, where position decides it (`cp SRC… DEST` writes DEST and
 * reads the rest; `chmod MODE FILE…` writes the files): it replaces what the kind says.
 */
export interface OperandRoles {
  readonly writes: readonly Word[];
  readonly reads?: readonly Word[];
  readonly effect?: Effect;
}

export interface CommandSpec {
  readonly about: string;
  readonly options?: readonly OptionGroup[];
  readonly operands: Operands;
  /** What running it at all does beyond reading (`systemctl restart`). */
  readonly effect?: Effect;
  /** The first operand picks one; what follows is read by its spec. */
  readonly subcommands?: Readonly<Record<string, SubcommandSpec>>;
  /**
   * How a sub-command word is matched: `exact`, or `first-prefix` as ip reads it — the first
   * in declaration order that the word begins (`ip a a` is `ip address add`).
   */
  readonly match?: 'exact' | 'first-prefix';
  /** The sub-command run when none is given (`systemctl` is `systemctl list-units`). */
  readonly defaultSubcommand?: string;
  /** Options end at the first operand; otherwise they mix with operands as GNU getopt allows. */
  readonly stopAtOperand?: boolean;
  readonly singleDash?: boolean;
  /** A first word of digits alone is this option's value (`head -20`, `tail +5`). */
  readonly numericOption?: string;
  /** No option parsing: every word is an operand (echo, test). */
  readonly rawArgs?: boolean;
  /** The parent's options are accepted after the sub-command too (systemctl). */
  readonly inheritOptions?: boolean;
}

export interface SubcommandSpec extends CommandSpec {
  readonly aliases?: readonly string[];
  /** A grouping word the canonical argv leaves out (`docker container stop` is `docker stop`). */
  readonly grouping?: boolean;
}

export interface ProgramSpec extends CommandSpec {
  readonly name: string;
}

export type ProgramJudgement =
  | { readonly ok: false; readonly problem: string }
  | {
      readonly ok: true;
      /** Sub-commands by canonical name, then options in canonical form, then operands. */
      readonly canonical: readonly Word[];
      readonly risk: Risk;
      /** What it changes, for the plan: `restarts a unit`. */
      readonly does: readonly string[];
      readonly writes: readonly Word[];
      /** Words naming files whose contents are read. */
      readonly reads: readonly Word[];
      /** The files read are searched as trees (`grep -r`). */
      readonly recursive: boolean;
      readonly secret?: string;
    };

interface CompiledOption extends OptionSpec {
  readonly placeholder?: string;
  readonly singleDash?: boolean;
  readonly group: OptionGroup;
}

/** Parses one entry of an option group: `-o, --output=OUT`. */
export function parseOptionSyntax(text: string, singleDash = false): Omit<CompiledOption, 'group'> {
  const m = singleDash
    ? /^-([\w-]+)(?: ([A-Z][\w-]*))?$/.exec(text)
    : /^(?:-([^-\s,]))?(?:, )?(?:--([\w-]+))?(?:(=| |\[=| \[)([A-Z][\w.:,-]*)\]?)?$/.exec(text);
  if (!m || (!singleDash && !m[1] && !m[2]))
    throw new InternalError(`option syntax "${text}" is not "-x, --long=VALUE"`);
  if (singleDash) {
    const [, word = '', value] = m;
    return {
      name: word,
      long: word,
      ...(value ? { arg: 'required' as const, placeholder: value } : {}),
    };
  }
  const [, short, long, sep, value] = m;
  const arg = value
    ? sep?.includes('[')
      ? ('optional' as const)
      : ('required' as const)
    : undefined;
  return {
    name: long ?? short ?? '',
    ...(short ? { short } : {}),
    ...(long ? { long } : {}),
    ...(arg ? { arg, placeholder: value } : {}),
  };
}

const compiled = new WeakMap<CommandSpec, readonly CompiledOption[]>();
function optionsOf(spec: CommandSpec): readonly CompiledOption[] {
  let found = compiled.get(spec);
  if (!found) {
    found = (spec.options ?? []).flatMap((group) =>
      group.options.map((text) => ({
        ...parseOptionSyntax(text, spec.singleDash),
        group,
        ...(group.nextValue ? { nextValue: group.nextValue } : {}),
        ...(spec.singleDash ? { singleDash: true } : {}),
      })),
    );
    compiled.set(spec, found);
  }
  return found;
}

/** A word that names something (a unit, a user) and so may not lead anywhere as a path. */
export function nameProblem(word: Word, what = 'a name'): string | undefined {
  if (word.value === undefined) return `${word.text} is ${what} known only at run time`;
  if (word.glob) return `${word.text} is a pattern where ${what} belongs`;
  if (word.value === '') return `an empty word is not ${what}`;
  if (
    word.value.includes('..') ||
    !/^[\w:.@\\+,*?[\]-]+$/.test(word.value) ||
    word.value.startsWith('-')
  )
    return `${word.value} is not ${what}: it may hold only letters, digits, _ : . @ \\ + , - and (quoted) * ? [ ] — no /, no .., no blanks and not start with -`;
  return undefined;
}

const RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2, critical: 3 };

class Judging {
  risk: Risk = 'low';
  readonly does: string[] = [];
  readonly writes: Word[] = [];
  readonly reads: Word[] = [];
  readonly canonical: Word[] = [];
  recursive = false;
  /** Where the sub-command names end in `canonical`. */
  pathEnd = 0;
  secret?: string;
  problem?: string;

  apply(effect: Effect | undefined, subject: string): void {
    if (!effect) return;
    if ('refused' in effect) this.problem ??= `${subject} ${effect.refused}`;
    else if ('secret' in effect) this.secret ??= `${subject} ${effect.secret}`;
    else {
      if (RANK[effect.risk] > RANK[this.risk]) this.risk = effect.risk;
      this.does.push(effect.does);
    }
  }

  operands(
    program: string,
    spec: Operands,
    all: readonly Word[],
    given: readonly ParsedOption[] = [],
  ): void {
    const pattern =
      spec.patternFirstUnless && !given.some((o) => spec.patternFirstUnless?.includes(o.name));
    const words = pattern ? all.slice(1) : all;
    if (spec.max !== undefined && all.length > spec.max) {
      this.problem ??=
        spec.max === 0
          ? `${program} takes no operands here`
          : `${program} takes at most ${spec.max} operand${spec.max === 1 ? '' : 's'} here`;
      return;
    }
    const reads: Word[] = [];
    const writes: Word[] = [];
    for (const word of words) {
      if (spec.kind === 'none') this.problem ??= `${program} takes no operands here`;
      else if (spec.kind === 'names') {
        const p = nameProblem(word);
        if (p) this.problem ??= `${program}: ${p}`;
      } else if (spec.kind === 'files') reads.push(word);
      else if (spec.kind === 'writes') writes.push(word);
    }
    // A recursive search given no file searches where it starts: the login user's home.
    if (this.recursive && spec.kind === 'files' && words.length === 0) reads.push(staticWord('.'));
    const judged = spec.judge?.(all, given);
    if (judged && 'writes' in judged) {
      this.writes.push(...judged.writes);
      this.reads.push(...(judged.reads ?? []));
      this.apply(judged.effect, program);
    } else {
      this.writes.push(...writes);
      this.reads.push(...reads);
      this.apply(judged, program);
    }
    this.canonical.push(...all);
  }
}

/**
 * Reads `args` by `spec` the way the program would, and says what it does: its canonical argv,
 * the highest risk of what it changes, the files it writes and reads — or why it cannot be judged.
 */
export function judgeProgram(spec: ProgramSpec, args: readonly Word[]): ProgramJudgement {
  const j = new Judging();
  readCommand(spec.name, spec, args, j, []);
  if (j.problem) return { ok: false, problem: j.problem };
  return {
    ok: true,
    canonical: j.canonical,
    risk: j.risk,
    does: j.does,
    writes: j.writes,
    reads: j.reads,
    recursive: j.recursive,
    ...(j.secret ? { secret: j.secret } : {}),
  };
}

function readCommand(
  shown: string,
  spec: CommandSpec,
  args: readonly Word[],
  j: Judging,
  inherited: readonly CompiledOption[],
): void {
  j.apply(spec.effect, shown);
  if (spec.rawArgs) {
    j.operands(shown, spec.operands, args);
    return;
  }
  const options = [...optionsOf(spec), ...inherited];
  const argv: ArgvSpec = {
    options,
    stopAtOperand: spec.subcommands !== undefined || (spec.stopAtOperand ?? false),
    // An abbreviation could be of a long option the spec leaves out (`--out` of `--output`
    // where only `--output-format` is listed): long options are written in full.
    exactLong: true,
    ...(spec.numericOption ? { numericOption: spec.numericOption } : {}),
    ...(spec.singleDash ? { singleDash: true } : {}),
  };
  const parsed = parseArgv(shown, argv, args);
  if (!parsed.ok) {
    j.problem ??= parsed.problem;
    return;
  }
  const optionWords = parsed.options.map((o) => judgeOption(shown, options, o, j));
  if (!spec.subcommands) {
    j.canonical.push(...optionWords);
    j.operands(shown, spec.operands, parsed.operands, parsed.options);
    return;
  }
  const [first, ...rest] = parsed.operands;
  const name = first ? subcommandName(spec, first) : spec.defaultSubcommand;
  if (first && first.value === undefined) {
    j.problem ??= `${shown} is given a sub-command known only at run time (${first.text})`;
    return;
  }
  const sub = name === undefined ? undefined : spec.subcommands[name];
  if (!sub || name === undefined) {
    j.problem ??= first
      ? `${shown} has no sub-command ${first.value ?? first.text} that the policy knows (known: ${Object.keys(spec.subcommands).join(', ')})`
      : `${shown} needs a sub-command (${Object.keys(spec.subcommands).join(', ')})`;
    return;
  }
  if (!sub.grouping) j.canonical.push(staticWord(name));
  j.pathEnd = j.canonical.length;
  readCommand(`${shown} ${name}`, sub, first ? rest : [], j, spec.inheritOptions ? options : []);
  // Options given before the sub-command follow the whole sub-command path, with its own.
  j.canonical.splice(j.pathEnd, 0, ...optionWords);
}

function subcommandName(spec: CommandSpec, word: Word): string | undefined {
  const v = word.value;
  if (v === undefined || !spec.subcommands) return undefined;
  const entries = Object.entries(spec.subcommands);
  const exact = entries.find(([name, s]) => name === v || s.aliases?.includes(v));
  if (exact) return exact[0];
  if (spec.match === 'first-prefix' && v.length > 0)
    return entries.find(([name]) => name.startsWith(v))?.[0];
  return undefined;
}

function judgeOption(
  shown: string,
  options: readonly CompiledOption[],
  parsed: ParsedOption,
  j: Judging,
): Word {
  const option = options.find((o) => o.name === parsed.name);
  const flag = option?.long ? `${option.singleDash ? '-' : '--'}${option.long}` : `-${parsed.name}`;
  if (!option) return staticWord(flag);
  j.apply(option.group.effect, `${shown} ${flag}`);
  if (option.group.recursive) j.recursive = true;
  const value = parsed.value;
  if (!value) return staticWord(flag);
  if (option.placeholder === 'OUT') j.writes.push(value);
  else if (option.placeholder === 'FILE') j.reads.push(value);
  // A file pattern the program expands itself (journalctl --file='/var/log/journal/*/*').
  else if (option.placeholder === 'PATTERN')
    j.reads.push(value.value === undefined ? value : { ...value, glob: /[*?[]/.test(value.value) });
  else if (option.placeholder === 'NAME') {
    const p = nameProblem(value);
    if (p) j.problem ??= `${shown} ${flag}: ${p}`;
  }
  // Long options take `=value`; a short-only option takes its value attached, as getopt reads it.
  const joint = option.long ? `${flag}=` : flag;
  const text = joint + value.text;
  return value.value === undefined
    ? { text, glob: false }
    : { text, value: joint + value.value, glob: false };
}
