import { posix } from 'node:path';
import type { ParsedOption } from '../argv-grammar.js';
import type {
  Operands,
  OperandRoles,
  Effect,
  OptionGroup,
  ProgramJudgement,
  ProgramSpec,
  OperandKind,
} from '../program-spec.js';
import { judgeProgram } from '../program-spec.js';
import { holdsSecrets, secretFile } from '../secrets.js';
import type { Word } from '../shell-syntax.js';

/**
 * Programs that change files by nature, as the operator profile allows them or sends them to
 * approval: GNU coreutils 9.1 (rm, mv, cp, ln, chmod, chown, chgrp, tee, truncate, install,
 * mkdir, touch), GNU sed 4.9 and rsync 3.2–3.4 (its popt table in options.c, read exactly: no
 * abbreviations). Each was checked against GTFOBins: cp, mv, tee, sed and rsync write and read
 * files, ln replaces files (ln -fs /bin/sh /bin/ln), chmod, chown and install -m can hand out
 * set-user-ID bits, sed's e command and s///e flag run commands, and rsync -e runs a shell.
 *
 * Every file named is in `writes` (operands of kind `writes`, options with OUT), so the write
 * rules judge them; because an operand's role cannot be told from its place here, that is
 * every operand — sources too (cp SRC DST writes both, as far as the rules see), and the MODE
 * or OWNER before the files of chmod, chown and chgrp. What the copying programs (cp, mv, ln,
 * install, rsync) take from a place that is or holds a secret — a secret file, /etc, /root, a
 * home, a device, a process's root — is a secret read. sed is read by its own grammar (its
 * script may come from -e, and its operands are written only with -i), so with -i its edits
 * are high risk and named in what it does rather than listed as writes.
 *
 * Risks: medium for a change to named files, high for recursive changes (rm -r, chmod -R …),
 * for set-user-ID modes, for rsync's deletions and for sed -i; critical for rm
 * --no-preserve-root. Options left out (so they deny) are named in comments.
 */

// ——— Sources that are, or hold, secrets ———

/** Devices that hold nothing: reading or linking them gives nothing away. */
const HARMLESS_DEVICES = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/stdin',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/tty',
]);

/** Why copying, moving or linking what `word` names could expose a secret, or undefined. */
function exposure(word: Word): string | undefined {
  const own = secretFile(word);
  if (own) return own;
  const v = word.value;
  // The home itself (a copy of ~ takes ~/.ssh along).
  if (v === undefined && /^(~|"?\$\{?HOME\}?"?)\/?$/.test(word.text))
    return `${word.text} is the login user's home, which holds ~/.ssh`;
  if (v === undefined || word.glob) return undefined;
  const path = posix.normalize(v);
  if (
    path.startsWith('/dev/') &&
    !HARMLESS_DEVICES.has(path) &&
    !/^\/dev\/(fd|shm|mqueue)(\/|$)/.test(path)
  )
    return `${v} is a device, whose contents are a disk's or memory's`;
  if (/^\/proc\/[^/]+\/(root|cwd|fd|map_files|environ|mem)(\/|$)|^\/proc\/kcore$/.test(path))
    return `${v} is a process's view of files, memory or environment`;
  if (path.startsWith('/')) return holdsSecrets(word);
  if (path === '.' || path === '..' || path.startsWith('../'))
    // Relative to the login user's home (or, for ln -s, to the link): it may reach ~/.ssh or /.
    return `${v} climbs out of where it starts, towards ~/.ssh and /`;
  return undefined;
}

/** Judges the operands of a program that copies, moves or links them. */
const exposes =
  (verb: string) =>
  (words: readonly Word[]): Effect | undefined => {
    for (const word of words) {
      const why = exposure(word);
      if (why) return { secret: `${verb} ${word.text}: ${why}` };
    }
    return undefined;
  };

/** Whether an option (by canonical name) was given. */
const given = (options: readonly ParsedOption[], ...names: string[]) =>
  options.some((o) => names.includes(o.name));

/**
 * `cp SRC… DEST`, `mv`, `ln TARGET… LINK`, `install`: the last operand is written and the rest
 * are read — unless -t names the directory written into (an option value, already a write),
 * when every operand is read. One operand alone (`ln -s /x`) is written where it lands.
 */
const copies =
  (verb: string, sourcesChange = false) =>
  (words: readonly Word[], options: readonly ParsedOption[]): OperandRoles => {
    const secret = exposes(verb)(words);
    const effect = secret ? { effect: secret } : {};
    // mv takes its sources away from where they were: they are written too.
    if (sourcesChange) return { writes: words, reads: words, ...effect };
    if (given(options, 'target-directory')) return { writes: [], reads: words, ...effect };
    if (words.length < 2) return { writes: words, ...effect };
    return { writes: words.slice(-1), reads: words.slice(0, -1), ...effect };
  };

/** `chmod MODE FILE…`: the first operand is a mode, owner or group — unless --reference gives it. */
const ownership =
  (first?: (word: Word) => Effect | undefined) =>
  (words: readonly Word[], options: readonly ParsedOption[]): OperandRoles => {
    if (given(options, 'reference')) return { writes: words };
    const [head, ...files] = words;
    const effect = head && first?.(head);
    return { writes: files, ...(effect ? { effect } : {}) };
  };

// ——— Shared options ———

const BACKUP: OptionGroup = {
  // The backup is the destination's name with a suffix, beside it.
  why: 'keep a backup of each file that would be replaced, beside it',
  options: ['--backup[=CONTROL]', '-b', '-S, --suffix=SUFFIX'],
};

const TARGET: OptionGroup = {
  why: 'name the directory written into, or say the destination is a file',
  options: ['-t, --target-directory=OUT', '-T, --no-target-directory'],
};

const VERBOSE: OptionGroup = { why: 'only print what is done', options: ['-v, --verbose'] };

const SELINUX: OptionGroup = {
  why: 'set the SELinux context of what is created',
  options: ['-Z', '--context[=CTX]'],
};

const ROOT_GUARD: OptionGroup = {
  why: "refuse to act on / recursively (the default for rm; chmod, chown and chgrp's option)",
  options: ['--preserve-root'],
};

const NO_ROOT_GUARD: OptionGroup = {
  why: 'act on / recursively',
  options: ['--no-preserve-root'],
  effect: { risk: 'critical', does: 'may act on every file under /' },
};

/** chmod, chown and chgrp: what -R and the reporting options mean for all three. */
const OWNERSHIP_COMMON: readonly OptionGroup[] = [
  {
    why: 'only choose what is reported',
    options: ['-c, --changes', '-f, --silent', '--quiet', '-v, --verbose'],
  },
  {
    why: 'change every file under the directories named',
    options: ['-R, --recursive'],
    effect: { risk: 'high', does: 'changes every file under the directories named' },
  },
  ROOT_GUARD,
  NO_ROOT_GUARD,
];

const FOLLOW_LINKS: OptionGroup = {
  why: 'choose whether symbolic links or what they point to are changed, and which links -R follows',
  options: ['--dereference', '-h, --no-dereference', '-H', '-L', '-P'],
};

const writes = (about: string, judge?: Operands['judge']) => ({
  kind: 'writes' as OperandKind,
  about,
  ...(judge ? { judge } : {}),
});

// ——— chmod: modes with set-user-ID or set-group-ID bits ———

/** A mode that sets the set-user-ID or set-group-ID bit: 4755, 2755, u+s, g=rxs. */
function setsId(mode: string): boolean {
  if (/^[0-7]+$/.test(mode)) return mode.length >= 4 && /[2-7]/.test(mode.charAt(mode.length - 4));
  return mode.split(',').some((part) => /^[ugoa]*[-+=]/.test(part) && /[+=][^-+=]*s/.test(part));
}

function chmodMode(mode: Word): Effect | undefined {
  if (mode.value === undefined)
    return { refused: `is given a mode known only at run time (${mode.text})` };
  // GTFOBins chmod: chmod 6777 FILE lets anyone run FILE with its owner's rights.
  if (setsId(mode.value))
    return {
      risk: 'high',
      does: `sets the set-user-ID or set-group-ID bit (${mode.value}): the file runs with its owner's rights`,
    };
  return undefined;
}

// ——— sed, read by its own grammar ———

/**
 * Why GNU sed would run a command, or read or write a file, for this script — or why the
 * script cannot be read with certainty. Reads as compile.c does: commands e, r, R, w, W and the
 * s flags e and w are found wherever sed would read a command; text sed never reads as one
 * (regular expressions, replacements, a/i/c text, comments, labels) is skipped the same way.
 */
function sedScriptProblem(script: string): string | undefined {
  let i = 0;
  let depth = 0;
  const n = script.length;
  const at = (k = i) => script.charAt(k);
  const unsure = (what: string) =>
    `has a script the policy cannot read with certainty (${what}, at character ${i + 1})`;
  const blanks = () => {
    while (at() === ' ' || at() === '\t') i++;
  };
  const digits = () => {
    while (/[0-9]/.test(at())) i++;
  };
  /** A part ending in `delim`, as match_slash reads it: \ escapes any character. */
  const part = (delim: string): boolean => {
    while (i < n) {
      const c = at();
      if (c === '\n') return false;
      i += c === '\\' ? 2 : 1;
      if (c === delim) return true;
    }
    return false;
  };
  /** A label, as GNU sed reads it to a blank or `;`; anything unusual in it is refused. */
  const label = (): boolean => {
    blanks();
    const start = i;
    while (i < n && !/[\s;]/.test(at())) i++;
    return /^[\w.-]*$/.test(script.slice(start, i));
  };
  const endOfCommand = (): string | undefined => {
    blanks();
    if (i >= n || at() === ';' || at() === '\n') {
      i++;
      return undefined;
    }
    if (at() === '}' || at() === '#') return undefined;
    return unsure(`"${at()}" after a command`);
  };
  const address = (): boolean | string => {
    const c = at();
    if (/[0-9]/.test(c)) {
      digits();
      if (at() === '~') {
        i++;
        digits();
      }
      return true;
    }
    if (c === '$') {
      i++;
      return true;
    }
    if (c === '/' || c === '\\') {
      let delim = '/';
      if (c === '\\') {
        i++;
        delim = at();
        if (!delim || delim === '\n' || delim === '\\') return unsure('an address delimiter');
      }
      i++;
      if (!part(delim)) return unsure('an unterminated address');
      while (at() === 'I' || at() === 'M') i++;
      return true;
    }
    return false;
  };

  while (i < n) {
    const c = at();
    if (/[\s;]/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && at() !== '\n') i++;
      continue;
    }
    const first = address();
    if (typeof first === 'string') return first;
    if (first) {
      blanks();
      if (at() === ',') {
        i++;
        blanks();
        if (at() === '+' || at() === '~') {
          i++;
          digits();
        } else {
          const second = address();
          if (typeof second === 'string') return second;
          if (!second) return unsure('a second address');
        }
      }
    }
    blanks();
    if (at() === '!') {
      i++;
      blanks();
    }
    const command = at();
    i++;
    let problem: string | undefined;
    switch (command) {
      case '{':
        depth++;
        continue;
      case '}':
        depth--;
        if (depth < 0) return unsure('an unmatched }');
        problem = endOfCommand();
        break;
      case '=':
      case 'd':
      case 'D':
      case 'g':
      case 'G':
      case 'h':
      case 'H':
      case 'n':
      case 'N':
      case 'p':
      case 'P':
      case 'x':
      case 'z':
      case 'F':
        problem = endOfCommand();
        break;
      case 'l':
      case 'q':
      case 'Q':
        blanks();
        digits();
        problem = endOfCommand();
        break;
      case ':':
      case 'b':
      case 't':
      case 'T':
      case 'v':
        if (!label()) return unsure('a label');
        problem = endOfCommand();
        break;
      case 'a':
      case 'i':
      case 'c': {
        // Text to the end of the line; a line ending in an odd number of \ goes on.
        for (;;) {
          const start = i;
          while (i < n && at() !== '\n') i++;
          const trailing = /\\*$/.exec(script.slice(start, i))?.[0].length ?? 0;
          if (i >= n || trailing % 2 === 0) break;
          i++;
        }
        break;
      }
      case 's': {
        const delim = at();
        if (!delim || delim === '\n' || delim === '\\') return unsure('an s delimiter');
        i++;
        if (!part(delim) || !part(delim)) return unsure('an unterminated s command');
        for (;;) {
          const flag = at();
          if (flag === 'e') return 'runs the pattern space as a command (the s///e flag)';
          if (flag === 'w') return 'writes a file (the s///w flag)';
          if (!/[gpiImM0-9]/.test(flag) || !flag) break;
          i++;
        }
        problem = endOfCommand();
        break;
      }
      case 'y': {
        const delim = at();
        if (!delim || delim === '\n' || delim === '\\') return unsure('a y delimiter');
        i++;
        if (!part(delim) || !part(delim)) return unsure('an unterminated y command');
        problem = endOfCommand();
        break;
      }
      // GTFOBins sed: 1e exec /bin/sh; w and s///w write files; r and R read them.
      case 'e':
        return 'runs a command (the e command)';
      case 'r':
      case 'R':
        return `reads a file into its output (the ${command} command)`;
      case 'w':
      case 'W':
        return `writes a file (the ${command} command)`;
      default:
        return unsure(command ? `the command "${command}"` : 'a missing command');
    }
    if (problem) return problem;
  }
  return depth === 0 ? undefined : unsure('an unmatched {');
}

/** sed's options, as its --help prints them; the judge below reads what they make of the rest. */
const SED_GRAMMAR: ProgramSpec = {
  name: 'sed',
  about: 'sed',
  options: [
    {
      why: 'only choose how lines are read and printed',
      options: [
        '-n, --quiet',
        '--silent',
        '--debug',
        '-E, --regexp-extended',
        '-r',
        '-s, --separate',
        '-u, --unbuffered',
        '-z, --null-data',
        '-l, --line-length=N',
        '--posix',
      ],
    },
    {
      why: 'give the script; it may not write or read files or run commands (e, r, R, w, W, s///e, s///w) unless --sandbox forbids those',
      options: ['-e, --expression=SCRIPT'],
    },
    {
      why: 'read the script from a file (only with --sandbox: the policy cannot read it)',
      options: ['-f, --file=FILE'],
    },
    {
      why: "make sed itself refuse the e, r and w commands (GNU sed's sandbox mode)",
      options: ['--sandbox'],
    },
    {
      why: 'edit the files in place, keeping a backup with SUFFIX if given (high: approval sees the files named)',
      options: ['-i, --in-place[=SUFFIX]', '--follow-symlinks'],
    },
  ],
  operands: { kind: 'text', about: 'the script (without -e or -f), then files' },
};

/** Judges sed as it reads itself: the script, the files, and whether they are edited. */
function judgeSed(words: readonly Word[]): Effect | undefined {
  let operands: readonly Word[] = [];
  const j: ProgramJudgement = judgeProgram(
    {
      ...SED_GRAMMAR,
      operands: {
        ...SED_GRAMMAR.operands,
        judge: (w) => {
          operands = w;
          return undefined;
        },
      },
    },
    words,
  );
  if (!j.ok) return { refused: j.problem.replace(/^sed /, '') };
  const options = j.canonical.slice(0, j.canonical.length - operands.length);
  const valued = (prefix: string) =>
    options.filter((w) => w.text.startsWith(prefix)).map((w) => w.value?.slice(prefix.length));
  const expressions = valued('--expression=');
  const scriptFiles = options.filter((w) => w.text.startsWith('--file='));
  const sandbox = options.some((w) => w.value === '--sandbox');
  let files = operands;
  let scripts = expressions;
  if (expressions.length === 0 && scriptFiles.length === 0) {
    const [script, ...rest] = operands;
    if (!script) return undefined;
    scripts = [script.value];
    files = rest;
  }
  if (!sandbox) {
    if (scriptFiles.length > 0)
      return {
        refused:
          '-f reads a script the policy cannot see, which could run commands or write files; add --sandbox',
      };
    if (scripts.some((s) => s === undefined))
      return { refused: 'is given a script known only at run time; add --sandbox' };
    const why = sedScriptProblem(scripts.join('\n'));
    if (why) return { refused: `${why}; --sandbox forbids e, r and w` };
  }
  for (const file of [...scriptFiles.map((w) => ({ ...w, value: w.value?.slice(7) })), ...files]) {
    const secret = secretFile(file);
    if (secret) return { secret: `reads ${secret}` };
  }
  const inPlace = options.find((w) => w.value === '--in-place' || w.text.startsWith('--in-place='));
  if (!inPlace) return undefined;
  const named = files.map((f) => f.text).join(' ');
  return {
    risk: 'high',
    does: `edits in place: ${named || '(no file)'}${inPlace.text.includes('=') ? ', keeping backups' : ''}`,
  };
}

// ——— rsync ———

/** `host:path`, `host::module` and `rsync://…` reach another host (rsync's check_for_hostspec). */
function rsyncOperands(words: readonly Word[]): Effect | undefined {
  for (const word of words) {
    if (word.value === undefined)
      return {
        refused: `is given ${word.text}, known only at run time, which could name another host`,
      };
    if (/^[^/]*:/.test(word.value))
      return {
        refused: `${word.value} is on another host: rsync would send or fetch data over the network`,
      };
  }
  return exposes('copies')(words);
}

// ——— The specs ———

export const SPECS: readonly ProgramSpec[] = [
  {
    name: 'rm',
    about: 'remove files',
    effect: { risk: 'medium', does: 'removes files' },
    options: [
      {
        // -f only silences: rm -rf is as high as rm -r, and a rule may still single it out.
        why: 'only choose whether rm asks, and whether missing files are errors',
        options: ['-f, --force', '-i', '-I', '--interactive[=WHEN]'],
      },
      {
        why: 'remove directories and everything under them',
        options: ['-r, --recursive', '-R'],
        effect: { risk: 'high', does: 'removes directories and everything under them' },
      },
      { why: 'remove empty directories', options: ['-d, --dir'] },
      {
        why: 'only limit a recursive removal: stay on one file system, refuse /',
        options: ['--one-file-system', '--preserve-root[=ALL]'],
      },
      NO_ROOT_GUARD,
      VERBOSE,
    ],
    operands: writes('files removed', (_words, options) => {
      const given = (...names: string[]) => options.some((o) => names.includes(o.name));
      return given('recursive', 'R') && given('force')
        ? { risk: 'critical', does: 'removes whole trees without asking (-rf)' }
        : undefined;
    }),
  },
  {
    name: 'mv',
    about: 'move or rename files',
    effect: { risk: 'medium', does: 'moves or renames files' },
    options: [
      BACKUP,
      {
        why: 'only choose whether an existing file is replaced or asked about',
        options: ['-f, --force', '-i, --interactive', '-n, --no-clobber', '-u, --update'],
      },
      TARGET,
      {
        why: 'only drop trailing slashes from the names',
        options: ['--strip-trailing-slashes'],
      },
      { why: 'set the SELinux context of the destination', options: ['-Z, --context'] },
      VERBOSE,
    ],
    operands: writes(
      'SOURCE… DEST: every name is written (the sources move away)',
      copies('moves', true),
    ),
  },
  {
    name: 'cp',
    about: 'copy files',
    effect: { risk: 'medium', does: 'copies files' },
    options: [
      {
        why: 'copy directories and everything under them (the sources must hold no secrets)',
        options: ['-r, --recursive', '-R', '-a, --archive'],
      },
      {
        why: 'choose how symbolic links and attributes are copied',
        options: [
          '-d',
          '-H',
          '-L, --dereference',
          '-P, --no-dereference',
          '-p',
          '--preserve[=ATTR_LIST]',
          '--no-preserve=ATTR_LIST',
          '--parents',
          '--reflink[=WHEN]',
          '--sparse=WHEN',
          '--strip-trailing-slashes',
          '-x, --one-file-system',
        ],
      },
      {
        why: 'make links instead of copies (judged like ln)',
        options: ['-l, --link', '-s, --symbolic-link'],
      },
      {
        why: 'only choose whether an existing file is replaced or asked about',
        options: [
          '-f, --force',
          '-i, --interactive',
          '-n, --no-clobber',
          '-u, --update',
          '--remove-destination',
        ],
      },
      {
        // GTFOBins cp: --attributes-only --preserve=all gives a file another's set-user-ID bit.
        why: "copy only attributes onto the destination, keeping its data: with --preserve=all, a file gets another's set-user-ID bit",
        options: ['--attributes-only'],
        effect: {
          risk: 'high',
          does: 'copies only attributes, which may include set-user-ID bits',
        },
      },
      BACKUP,
      TARGET,
      SELINUX,
      VERBOSE,
      // --copy-contents is left out: with -R it reads devices and FIFOs as files.
    ],
    operands: writes(
      'SOURCE… DEST: DEST is written (with -t, the directory it names)',
      copies('copies'),
    ),
  },
  {
    name: 'ln',
    about: 'make links',
    effect: { risk: 'medium', does: 'creates links' },
    options: [
      {
        why: 'choose the kind of link and how TARGET is read',
        options: [
          '-s, --symbolic',
          '-r, --relative',
          '-L, --logical',
          '-P, --physical',
          '-n, --no-dereference',
        ],
      },
      {
        // GTFOBins ln: ln -fs /bin/sh /bin/ln replaces a file; the name replaced is a write.
        why: 'only choose whether an existing name is replaced or asked about',
        options: ['-f, --force', '-i, --interactive'],
      },
      BACKUP,
      TARGET,
      VERBOSE,
      // -d, -F, --directory (hard links to directories) are left out.
    ],
    operands: writes(
      'TARGET… LINK_NAME: the link is written (with -t, into that directory)',
      copies('links to'),
    ),
  },
  {
    name: 'chmod',
    about: 'change file modes',
    effect: { risk: 'medium', does: 'changes file modes' },
    options: [
      ...OWNERSHIP_COMMON,
      {
        why: 'copy the mode of another file, which may include set-user-ID bits',
        options: ['--reference=RFILE'],
        effect: {
          risk: 'high',
          does: "copies another file's mode, which may include set-user-ID bits",
        },
      },
    ],
    operands: writes('MODE, then the files changed', ownership(chmodMode)),
  },
  {
    name: 'chown',
    about: 'change file owners and groups',
    effect: { risk: 'medium', does: 'changes file owners' },
    options: [
      ...OWNERSHIP_COMMON,
      FOLLOW_LINKS,
      {
        why: 'use the owner of another file, or change only files owned so',
        options: ['--reference=RFILE', '--from=CURRENT_OWNER'],
      },
    ],
    operands: writes('OWNER[:GROUP], then the files changed', ownership()),
  },
  {
    name: 'chgrp',
    about: 'change file groups',
    effect: { risk: 'medium', does: 'changes file groups' },
    options: [
      ...OWNERSHIP_COMMON,
      FOLLOW_LINKS,
      { why: 'use the group of another file', options: ['--reference=RFILE'] },
    ],
    operands: writes('GROUP, then the files changed', ownership()),
  },
  {
    name: 'tee',
    about: 'copy standard input to files and standard output',
    options: [
      {
        why: 'only choose whether the files are appended to, and how write errors are handled',
        options: ['-a, --append', '-i, --ignore-interrupts', '-p', '--output-error[=MODE]'],
      },
    ],
    operands: writes('files written', (words) =>
      words.length > 0 ? { risk: 'medium', does: 'writes its input to files' } : undefined,
    ),
  },
  {
    name: 'truncate',
    about: 'shrink or extend files to a size',
    effect: { risk: 'medium', does: 'cuts or extends files (data past the new size is lost)' },
    options: [
      {
        why: 'choose the new size, or take it from another file',
        options: ['-s, --size=SIZE', '-r, --reference=RFILE', '-o, --io-blocks'],
      },
      { why: 'only leave missing files missing', options: ['-c, --no-create'] },
    ],
    operands: writes('files cut or extended (created if missing)'),
  },
  {
    name: 'install',
    about: 'copy files into place and set their attributes',
    effect: { risk: 'medium', does: 'copies files into place' },
    options: [
      {
        why: 'create directories (-d), or the leading directories of the destination (-D)',
        options: ['-d, --directory', '-D'],
      },
      {
        // GTFOBins install: install -m 6777 hands out set-user-ID bits; the value is not judged.
        why: 'set the mode of what is installed, which may include set-user-ID bits',
        options: ['-m, --mode=MODE'],
        effect: { risk: 'high', does: 'sets a mode, which may include set-user-ID bits' },
      },
      {
        why: 'set owner and group, or keep timestamps and SELinux contexts',
        options: [
          '-o, --owner=OWNER',
          '-g, --group=GROUP',
          '-p, --preserve-timestamps',
          '--preserve-context',
        ],
      },
      {
        why: 'only skip unchanged files, or strip symbol tables with the system strip',
        options: ['-C, --compare', '-c', '-s, --strip'],
      },
      {
        why: 'strip with another program',
        options: ['--strip-program=PROGRAM'],
        effect: { refused: 'runs a program the policy cannot see' },
      },
      BACKUP,
      TARGET,
      SELINUX,
      VERBOSE,
    ],
    operands: writes(
      'SOURCE… DEST (with -t, the directory it names), or directories with -d: DEST is written',
      (words, options) =>
        given(options, 'directory') ? { writes: words } : copies('installs')(words, options),
    ),
  },
  {
    name: 'mkdir',
    about: 'make directories',
    effect: { risk: 'medium', does: 'creates directories' },
    options: [
      {
        why: 'make parent directories too, and choose their mode',
        options: ['-p, --parents', '-m, --mode=MODE'],
      },
      SELINUX,
      VERBOSE,
    ],
    operands: writes('directories created'),
  },
  {
    name: 'touch',
    about: 'create files or change their timestamps',
    effect: { risk: 'medium', does: 'creates files or changes their timestamps' },
    options: [
      {
        // --reference reads only the other file's timestamps.
        why: 'choose which times change, and to what',
        options: [
          '-a',
          '-m',
          '-d, --date=STRING',
          '-t STAMP',
          '-r, --reference=RFILE',
          '--time=WORD',
        ],
      },
      {
        why: 'only leave missing files missing, or change links themselves',
        options: ['-c, --no-create', '-h, --no-dereference', '-f'],
      },
    ],
    operands: writes('files touched (created if missing)'),
  },
  {
    name: 'sed',
    about: 'edit text by a script (and files in place with -i)',
    // The script may come from -e or the first operand, and the files are edited only with
    // -i: the judge reads the whole command line as sed does.
    rawArgs: true,
    options: SED_GRAMMAR.options ?? [],
    operands: {
      kind: 'text',
      about:
        'the script (unless -e or -f gives it), then files; a script that writes, reads or runs (e, r, R, w, W, s///e, s///w) is refused without --sandbox; -i edits the files (high)',
      judge: judgeSed,
    },
  },
  {
    name: 'rsync',
    about: 'copy files locally, skipping what is unchanged',
    effect: { risk: 'medium', does: 'copies files' },
    options: [
      {
        why: 'choose what is copied and kept: recursion, links, permissions, owners, times',
        options: [
          '-a, --archive',
          '-r, --recursive',
          '-R, --relative',
          '--no-implied-dirs',
          '-d, --dirs',
          '--mkpath',
          '-l, --links',
          '-L, --copy-links',
          '--copy-unsafe-links',
          '--safe-links',
          '-k, --copy-dirlinks',
          '-K, --keep-dirlinks',
          '-H, --hard-links',
          '-p, --perms',
          '--no-perms',
          '-E, --executability',
          '-A, --acls',
          '-X, --xattrs',
          '-o, --owner',
          '--no-owner',
          '-g, --group',
          '--no-group',
          '-D',
          '--devices',
          '--specials',
          '-t, --times',
          '-O, --omit-dir-times',
          '-J, --omit-link-times',
          '--numeric-ids',
          '-x, --one-file-system',
          '-m, --prune-empty-dirs',
        ],
      },
      {
        why: 'choose which files are copied and how changes are found',
        options: [
          '-c, --checksum',
          '--size-only',
          '-I, --ignore-times',
          '--modify-window=NUM',
          '-u, --update',
          '--existing',
          '--ignore-existing',
          '--max-size=SIZE',
          '--min-size=SIZE',
          '-C, --cvs-exclude',
          '--exclude=PATTERN',
          '--include=PATTERN',
          '--ignore-missing-args',
        ],
      },
      {
        // The lists are files read, checked like any file read; --filter is left out (a rule
        // can merge any file as rules, and a bad line is echoed in the error).
        why: 'read patterns or the names to copy from a file',
        options: ['--exclude-from=FILE', '--include-from=FILE', '--files-from=FILE', '-0, --from0'],
      },
      {
        why: 'choose how files are written: in place, whole, sparse, compressed, with partial files kept',
        options: [
          '--inplace',
          '--append',
          '--append-verify',
          '-W, --whole-file',
          '-S, --sparse',
          '-z, --compress',
          '--compress-level=NUM',
          '--partial',
          '-P',
          '--delay-updates',
          '-y, --fuzzy',
          '--timeout=SECONDS',
          '--bwlimit=RATE',
        ],
      },
      {
        why: 'keep backups, partial files, temporary files or a log in a directory or file, which is written',
        options: [
          '-b, --backup',
          '--suffix=SUFFIX',
          '--backup-dir=OUT',
          '--partial-dir=OUT',
          '-T, --temp-dir=OUT',
          '--log-file=OUT',
        ],
      },
      {
        why: 'only choose what is printed, or only list or simulate',
        options: [
          '-v, --verbose',
          '-q, --quiet',
          '-h, --human-readable',
          '--progress',
          '--stats',
          '-i, --itemize-changes',
          '--info=FLAGS',
          '--out-format=FORMAT',
          '-n, --dry-run',
          '--list-only',
        ],
      },
      {
        why: 'delete files in the destination that the source lacks, or the sources once copied',
        options: [
          '--del',
          '--delete',
          '--delete-before',
          '--delete-during',
          '--delete-delay',
          '--delete-after',
          '--delete-excluded',
          '--delete-missing-args',
          '--remove-source-files',
          '--force',
          '--ignore-errors',
          '--max-delete=NUM',
        ],
        effect: { risk: 'high', does: 'deletes files (in the destination, or copied sources)' },
      },
      {
        // GTFOBins rsync: rsync -e 'sh -c "sh 0<&2 1>&2"' x:x.
        why: 'run a remote shell or a remote rsync, talk to a daemon, or be one',
        options: [
          '-e, --rsh=COMMAND',
          '--rsync-path=PROGRAM',
          '-M, --remote-option=OPTION',
          '--daemon',
          '--config=FILE',
          '--server',
          '--sender',
          '--address=ADDRESS',
          '--port=PORT',
          '--password-file=FILE',
        ],
        effect: {
          refused: 'runs a program or reaches another host, which the policy cannot judge',
        },
      },
      // Left out: --chmod, --chown, --usermap, --groupmap, --copy-as (ownership and modes the
      // values decide), --copy-devices and --write-devices (device contents), --filter and -F,
      // --link-dest, --compare-dest, --copy-dest, the batch options, --iconv.
    ],
    operands: {
      kind: 'writes',
      about:
        'SRC… DEST on this host: every name counts as written; HOST:PATH and rsync:// are refused',
      judge: rsyncOperands,
    },
  },
];
