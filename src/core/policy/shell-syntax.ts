/**
 * The shell syntax the policy reasons about, independent of any parser. A parser adapter turns
 * a command line into simple commands; anything it cannot represent faithfully is a `problem`,
 * and a command with problems is denied.
 */

/** One shell word. `value` is its text after quote removal, or undefined when only known at run time. */
export interface Word {
  readonly text: string;
  readonly value?: string;
  /** Contains unquoted glob characters (`*`, `?`, `[`) that the shell will expand. */
  readonly glob: boolean;
  /**
   * Known only at run time, yet known not to begin with `-`, so it cannot become an option:
   * `/proc/$PPID/status`, `"$HOME"`, a find `{}` under static starting points.
   */
  readonly notOption?: boolean;
  /** Known only at run time, yet known not to name a secret: find's `{}` under safe starting points. */
  readonly notSecret?: boolean;
  /** Unquoted expansion, substitution or brace expansion: bash may make several words of it. */
  readonly splits?: boolean;
}

export type RedirectKind = 'write' | 'read' | 'dup' | 'input-text';

export interface Redirect {
  readonly kind: RedirectKind;
  readonly op: string;
  readonly target?: Word;
  /** The descriptor redirected when one is written (`2>`, `1<`). */
  readonly fd?: number;
}

export interface SimpleCommand {
  /** Command name first, then arguments. Empty for a bare assignment or redirection. */
  readonly words: readonly Word[];
  readonly assignments: readonly { readonly name: string; readonly value?: string }[];
  readonly redirects: readonly Redirect[];
}

export type ParseOutcome =
  | { readonly ok: true; readonly commands: readonly SimpleCommand[] }
  /** `syntaxError`: it is not valid shell at all, as opposed to valid shell the policy cannot analyse. */
  | { readonly ok: false; readonly problems: readonly string[]; readonly syntaxError: boolean };

/** Splits a command line into every simple command it would run, including nested ones. */
export interface ShellParser {
  parse(source: string): ParseOutcome;
}

export const staticWord = (value: string): Word => ({ text: value, value, glob: false });
export const dynamicWord = (text: string): Word => ({ text, glob: false });

/**
 * A pattern that could match a file whose name begins with `-`: one that starts with `*`, `?`
 * or a bracket set that may hold `-` (`[n]ginx` cannot; `[-a]*` can).
 */
export function globMayStartWithDash(value: string): boolean {
  if (value.startsWith('-') || value.startsWith('*') || value.startsWith('?')) return true;
  return value.startsWith('[') && !/^\[[^\]!^-]+\]/.test(value);
}
