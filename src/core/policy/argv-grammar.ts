import { globMayStartWithDash, type Word } from './shell-syntax.js';

/**
 * The argument grammar of a program, as getopt_long reads it: short options that bundle
 * (`-iu NAME`), arguments attached or separate (`-uNAME`, `-u NAME`), long options with `=` or a
 * separate argument, unambiguous abbreviations of long options (`--un` is `--unset`), and `--`.
 * An option the spec does not list is an error, so a program is judged only on options we know.
 */
export interface OptionSpec {
  /** Canonical name, used in rules and plans: the long name, or the short letter. */
  readonly name: string;
  readonly short?: string;
  readonly long?: string;
  /** `required`: attached or the next word; `optional`: only attached (`-dX`, `--opt=X`). */
  readonly arg?: 'required' | 'optional';
  /** An optional value may also be the next word when it looks like one (journalctl `-b -1`). */
  readonly nextValue?: RegExp;
}

export interface ArgvSpec {
  readonly options: readonly OptionSpec[];
  /**
   * Options end at the first operand (getopt's `+`), as for every wrapper: what follows is the
   * command it runs. Otherwise options and operands mix (GNU's default permutation).
   */
  readonly stopAtOperand: boolean;
  /** A word like `-5` or `+5` is a numeric option (nice's obsolete `-N`). */
  readonly numericOption?: string;
  /**
   * Options are whole words with one dash (`ip -json`), matched exactly against `long`: no
   * bundling, no abbreviation, no attached values.
   */
  readonly singleDash?: boolean;
  /** Long options must be written in full: abbreviations deny. */
  readonly exactLong?: boolean;
}

export interface ParsedOption {
  readonly name: string;
  readonly value?: Word;
}

export type ParsedArgv =
  | {
      readonly ok: true;
      readonly options: readonly ParsedOption[];
      readonly operands: readonly Word[];
    }
  | { readonly ok: false; readonly problem: string };

const fail = (problem: string): ParsedArgv => ({ ok: false, problem });

const looksLike = (word: Word | undefined, value: RegExp) =>
  word?.value !== undefined && !word.glob && value.test(word.value);

/** Parses `args` (without the program name) by `spec`. */
export function parseArgv(program: string, spec: ArgvSpec, args: readonly Word[]): ParsedArgv {
  const options: ParsedOption[] = [];
  const operands: Word[] = [];
  let i = 0;
  const next = (): Word | undefined => args[++i];
  /** An option whose value was not attached: the next word, when it takes one there. */
  const separateValue = (option: OptionSpec, flag: string): ParsedOption | string => {
    const wanted =
      option.arg === 'required' ||
      (option.arg === 'optional' && option.nextValue && looksLike(args[i + 1], option.nextValue));
    if (!wanted) return { name: option.name };
    const value = next();
    if (!value) return `${program} ${flag} needs a value`;
    if (value.glob || value.splits)
      return `${program} ${flag} is given ${value.text}, which may become several words`;
    return { name: option.name, value };
  };
  for (; i < args.length; i++) {
    const word = args[i];
    if (!word) break;
    const v = word.value;
    if (v === undefined) {
      // A run-time word could be any option; after the operands start it is only an operand.
      if (operands.length > 0 && spec.stopAtOperand) break;
      if (word.notOption) {
        operands.push(word);
        if (spec.stopAtOperand) {
          i++;
          break;
        }
        continue;
      }
      return fail(
        `${program} is given a word known only at run time (${word.text}) where it reads options`,
      );
    }
    if (v === '--') {
      i++;
      break;
    }
    // A pattern becomes as many words as it matches, shifting every position after it; where
    // options and operands mix, one that cannot match a name starting with - is operands only.
    if (word.glob && (spec.stopAtOperand ? operands.length === 0 : globMayStartWithDash(v))) {
      return fail(`${program} is given a pattern (${word.text}) where it reads options`);
    }
    if (spec.numericOption && options.length === 0 && /^[-+]\d+$/.test(v)) {
      options.push({
        name: spec.numericOption,
        value: { text: v, value: v.replace(/^-/, ''), glob: false },
      });
      continue;
    }
    if (spec.singleDash && v.startsWith('-') && v.length > 1) {
      // ip reads `--json` as `-json`.
      const name = v.startsWith('--') ? v.slice(2) : v.slice(1);
      const option = spec.options.find((o) => o.long === name);
      if (!option) return fail(`${program} has no option ${v} that the policy knows`);
      if (option.arg === 'required') {
        const value = next();
        if (!value) return fail(`${program} ${v} needs a value`);
        options.push({ name: option.name, value });
      } else options.push({ name: option.name });
      continue;
    }
    if (v.startsWith('--')) {
      const eq = v.indexOf('=');
      const name = eq === -1 ? v.slice(2) : v.slice(2, eq);
      const candidates = spec.options.filter((o) => o.long?.startsWith(name));
      const option =
        candidates.find((o) => o.long === name) ??
        (candidates.length === 1 && !spec.exactLong ? candidates[0] : undefined);
      if (!option && spec.exactLong && candidates.length > 0) {
        return fail(
          `${program} --${name} is not an option the policy knows; write the option out in full (${candidates.map((o) => `--${o.long}`).join(', ')})`,
        );
      }
      if (!option) {
        return fail(
          candidates.length > 1
            ? `${program} --${name} is ambiguous (${candidates.map((o) => `--${o.long}`).join(', ')})`
            : `${program} has no option --${name} that the policy knows`,
        );
      }
      if (eq !== -1) {
        if (!option.arg) return fail(`${program} --${option.long} takes no value`);
        const value = v.slice(eq + 1);
        options.push({ name: option.name, value: { text: value, value, glob: false } });
      } else {
        const taken = separateValue(option, `--${option.long ?? option.name}`);
        if (typeof taken === 'string') return fail(taken);
        options.push(taken);
      }
      continue;
    }
    if (v.startsWith('-') && v.length > 1) {
      for (let j = 1; j < v.length; j++) {
        const letter = v.charAt(j);
        const option = spec.options.find((o) => o.short === letter);
        if (!option) return fail(`${program} has no option -${letter} that the policy knows`);
        if (!option.arg) {
          options.push({ name: option.name });
          continue;
        }
        const attached = v.slice(j + 1);
        if (attached) {
          options.push({
            name: option.name,
            value: { text: attached, value: attached, glob: false },
          });
        } else {
          const taken = separateValue(option, `-${letter}`);
          if (typeof taken === 'string') return fail(taken);
          options.push(taken);
        }
        break;
      }
      continue;
    }
    operands.push(word);
    if (spec.stopAtOperand) {
      i++;
      break;
    }
  }
  operands.push(...args.slice(i));
  return { ok: true, options, operands };
}

/** The options as a rule or a person reads them: `--user=alice -n`. */
export function describeOptions(options: readonly ParsedOption[]): string {
  return options.map((o) => (o.value ? `--${o.name}=${o.value.text}` : `--${o.name}`)).join(' ');
}

/** Shorthand for specs: `opt('user', 'u', 'user', 'required')`. */
export function opt(
  name: string,
  short: string | undefined,
  long: string | undefined,
  arg?: 'required' | 'optional',
): OptionSpec {
  return { name, ...(short ? { short } : {}), ...(long ? { long } : {}), ...(arg ? { arg } : {}) };
}
