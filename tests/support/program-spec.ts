import { expect } from 'vitest';
import {
  judgeProgram,
  parseOptionSyntax,
  type CommandSpec,
  type ProgramJudgement,
  type ProgramSpec,
} from '../../src/core/policy/program-spec.js';
import { staticWord, type Word } from '../../src/core/policy/shell-syntax.js';

/** Helpers for testing a group of program specs by name, with plain strings as static words. */
export function specsOf(specs: readonly ProgramSpec[]) {
  const spec = (name: string): ProgramSpec => {
    const found = specs.find((s) => s.name === name);
    if (!found) throw new Error(`no spec for ${name}`);
    return found;
  };
  /** Judges `name args…`. */
  const judge = (name: string, ...args: (string | Word)[]): ProgramJudgement =>
    judgeProgram(spec(name), args.map(word));
  /** Judges a command line split on spaces (for arguments without spaces). */
  const line = (text: string): ProgramJudgement => {
    const [name = '', ...args] = text.split(' ');
    return judge(name, ...args);
  };
  return { spec, judge, line };
}

export const word = (w: string | Word): Word => (typeof w === 'string' ? staticWord(w) : w);
export const glob = (text: string): Word => ({ text, value: text, glob: true });
export const values = (words: readonly Word[]): (string | undefined)[] => words.map((w) => w.value);

export function ok(j: ProgramJudgement): Extract<ProgramJudgement, { ok: true }> {
  if (!j.ok) throw new Error(`expected the command to parse: ${j.problem}`);
  return j;
}

export function problem(j: ProgramJudgement): string {
  if (j.ok) throw new Error(`expected a problem, got ${JSON.stringify(j.canonical)}`);
  return j.problem;
}

/**
 * Checks a group of specs the way every spec file must hold: each command and sub-command says
 * what it is for, each option group why, and no option is declared twice where it is read
 * (a sub-command that inherits its parent's options shares their names).
 */
export function expectWellFormed(specs: readonly ProgramSpec[]): void {
  const check = (shown: string, s: CommandSpec, inherited: ReadonlySet<string>) => {
    expect(s.about.length, `${shown} has no about`).toBeGreaterThan(0);
    const seen = new Set(inherited);
    for (const group of s.options ?? []) {
      expect(group.why.length, `${shown}: a group without a why`).toBeGreaterThan(0);
      for (const text of group.options) {
        const o = parseOptionSyntax(text, s.singleDash);
        const keys = s.singleDash
          ? [`-${o.long ?? ''}`]
          : [o.short && `-${o.short}`, o.long && `--${o.long}`];
        for (const key of keys) {
          if (!key) continue;
          expect(seen.has(key), `${shown} ${key} is declared twice`).toBe(false);
          seen.add(key);
        }
      }
    }
    for (const [name, sub] of Object.entries(s.subcommands ?? {}))
      check(`${shown} ${name}`, sub, s.inheritOptions ? seen : new Set());
  };
  for (const s of specs) check(s.name, s, new Set());
}
