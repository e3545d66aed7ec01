import { secretTree } from './secrets.js';
import { dynamicWord, globMayStartWithDash, type Word } from './shell-syntax.js';
import type { Unwrapped } from './wrappers.js';

/**
 * GNU find's grammar: global options, starting points, then an expression of primaries. Every
 * primary must be one find knows (an unknown or run-time one denies, since it could be an
 * action); `-exec`/`-execdir`/`-ok`/`-okdir` run a command; `-fprint`, `-fprint0`, `-fls` and
 * `-fprintf` write a file; `-delete` stays in find's arguments for rules to judge.
 */

/** Primaries followed by one argument. */
const WITH_ARG = new Set([
  '-amin',
  '-anewer',
  '-atime',
  '-cmin',
  '-cnewer',
  '-ctime',
  '-fstype',
  '-gid',
  '-group',
  '-ilname',
  '-iname',
  '-inum',
  '-ipath',
  '-iregex',
  '-iwholename',
  '-links',
  '-lname',
  '-mmin',
  '-mtime',
  '-name',
  '-newer',
  '-path',
  '-perm',
  '-regex',
  '-samefile',
  '-size',
  '-type',
  '-uid',
  '-used',
  '-user',
  '-wholename',
  '-xtype',
  '-context',
  '-maxdepth',
  '-mindepth',
  '-regextype',
  '-printf',
  '-files0-from',
]);
/** Primaries and operators that take no argument. */
const BARE = new Set([
  '-empty',
  '-executable',
  '-false',
  '-nogroup',
  '-nouser',
  '-readable',
  '-true',
  '-writable',
  '-depth',
  '-ignore_readdir_race',
  '-noignore_readdir_race',
  '-mount',
  '-xdev',
  '-noleaf',
  '-daystart',
  '-follow',
  '-warn',
  '-nowarn',
  '-print',
  '-print0',
  '-ls',
  '-prune',
  '-quit',
  '-delete',
  '(',
  ')',
  '!',
  '-not',
  '-a',
  '-and',
  '-o',
  '-or',
  ',',
]);
/** Actions that write the file named by their (first) argument. */
const WRITES = new Map([
  ['-fprint', 1],
  ['-fprint0', 1],
  ['-fls', 1],
  ['-fprintf', 2],
]);
const EXECS = new Set(['-exec', '-execdir', '-ok', '-okdir']);
const GLOBAL = /^-([HLP]|D|O\d?)$/;

export function splitFind(args: readonly Word[]): Unwrapped {
  const findArgs: Word[] = [];
  const execs: { words: Word[]; inDir: boolean }[] = [];
  const writes: Word[] = [];
  let i = 0;
  // Global options, then starting points: everything before the first word that starts an expression.
  for (; i < args.length; i++) {
    const word = args[i];
    if (!word) break;
    const v = word.value;
    if (v === undefined) {
      return {
        kind: 'problem',
        reason: `find is given a word known only at run time (${word.text}) before its expression`,
      };
    }
    if (GLOBAL.test(v)) {
      findArgs.push(word);
      if (v === '-D') {
        const next = args[++i];
        if (!next) return { kind: 'problem', reason: 'find -D needs a value' };
        findArgs.push(next);
      }
      continue;
    }
    if (v.startsWith('-') || v === '(' || v === '!') break;
    if (word.glob && globMayStartWithDash(v)) {
      return {
        kind: 'problem',
        reason: `find's starting point ${word.text} may match a file named like a primary`,
      };
    }
    findArgs.push(word);
  }
  // {} stands for a path under a starting point (./… without one): it cannot begin with `-`
  // when the starting points are written out.
  const startPoints = findArgs.filter((w) => !GLOBAL.test(w.value ?? ''));
  // -files0-from reads paths from a file: {} could then be anything.
  const fromFile = args.some((w) => w.value === '-files0-from');
  // It names no secret when every starting point is written out, holds none, and find does
  // not follow links out of them.
  const follows = args.some((w) => w.value === '-L' || w.value === '-follow');
  const safeStarts = startPoints.length > 0 && !startPoints.some((w) => secretTree(w));
  const braces: Word = {
    ...dynamicWord('{}'),
    ...(startPoints.every((w) => w.value !== undefined && !w.value.startsWith('-'))
      ? { notOption: true }
      : {}),
    ...(safeStarts && !follows && !fromFile ? { notSecret: true } : {}),
  };
  for (; i < args.length; i++) {
    const word = args[i];
    if (!word) break;
    const v = word.value;
    if (v === undefined || (word.glob && globMayStartWithDash(v))) {
      return {
        kind: 'problem',
        reason: `find has a primary known only at run time (${word.text})`,
      };
    }
    findArgs.push(word);
    if (BARE.has(v)) continue;
    if (WITH_ARG.has(v) || /^-newer[aBcmt][aBcmt]$/.test(v)) {
      const arg = args[++i];
      if (!arg) return { kind: 'problem', reason: `find ${v} needs a value` };
      // An unquoted pattern or expansion may become several words, the later ones primaries.
      if (arg.glob || arg.splits) {
        return {
          kind: 'problem',
          reason: `find ${v} ${arg.text} may become several words; quote it (${v} '${arg.text}')`,
        };
      }
      findArgs.push(arg);
      continue;
    }
    const writeArgs = WRITES.get(v);
    if (writeArgs) {
      const file = args[i + 1];
      if (!file) return { kind: 'problem', reason: `find ${v} needs a file` };
      writes.push(file);
      for (let k = 0; k < writeArgs; k++) {
        const arg = args[++i];
        if (arg) findArgs.push(arg);
      }
      continue;
    }
    if (EXECS.has(v)) {
      const inner: Word[] = [];
      // `;` ends the command; `+` only right after a `{}` (otherwise it is an argument).
      const ends = (w: Word) => w.value === ';' || (w.value === '+' && inner.at(-1)?.text === '{}');
      for (let w = args[++i]; w && !ends(w); w = args[++i]) {
        // find replaces {} wherever it occurs in the command, its name included.
        if (w.value === '{}') inner.push(fromFile ? dynamicWord('{}') : braces);
        else inner.push(w.value === undefined || w.value.includes('{}') ? dynamicWord(w.text) : w);
      }
      if (inner.length === 0) return { kind: 'problem', reason: `find ${v} without a command` };
      if (i >= args.length)
        return { kind: 'problem', reason: `find ${v} is not ended by ';' or '+'` };
      execs.push({ words: inner, inDir: v === '-execdir' || v === '-okdir' });
      continue;
    }
    return { kind: 'problem', reason: `find has no primary ${v} that the policy knows` };
  }
  return { kind: 'find', findArgs, execs, writes };
}
