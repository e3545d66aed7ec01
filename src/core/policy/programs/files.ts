import type { Effect, OperandRoles, OptionGroup, ProgramSpec } from '../program-spec.js';
import type { ParsedOption } from '../argv-grammar.js';
import type { Word } from '../shell-syntax.js';

/**
 * Programs that read files, text and a little system information: GNU coreutils 9.1, GNU grep
 * 3.8, gzip 1.12 (zcat and zgrep are its scripts), file 5.44, debianutils `which`, and the bash
 * builtins. Each was checked against its `--help` and against GTFOBins; the forms GTFOBins lists
 * (cat, head, tail, wc --files0-from, sort -m and sort -o, uniq, cut, file -f and -m, grep,
 * zcat -f, zgrep, date -f) are file reads, checked for secrets like any other, except sort -o,
 * which is a write. Options that write files or run programs are refused with a reason or left
 * out, so they deny; the comments say which.
 *
 * The obsolete first-argument forms `head -20`, `tail -100` and `tail +5` are numeric options
 * (a word of digits alone, first); `tail -1c FILE` and `uniq -2` are not and deny.
 */

/** grep and zgrep read `-12` as the options -1 and -2 and add the digits up: context lines. */
const CONTEXT_DIGITS: OptionGroup = {
  why: 'print NUM lines of context (-NUM, as -C NUM)',
  options: ['-0', '-1', '-2', '-3', '-4', '-5', '-6', '-7', '-8', '-9'],
};

const RUNS_A_PROGRAM: Effect = { refused: 'runs a program the policy cannot see' };
const LISTED_FILES: Effect = {
  refused:
    'opens the files a list names, which the policy cannot see (a device among them can reboot the host)',
};

/** The first operand a date is given: `+FORMAT` prints, anything else sets the clock. */
function dateOperand(words: readonly Word[], options: readonly ParsedOption[]): Effect | undefined {
  // `date -d 'TZ="/dev/watchdog" now'`: glibc opens the file a TZ path names.
  const zone = options.find((o) => /TZ\s*=\s*["']?[^"'\s]*(\/|\.\.)/.test(o.value?.value ?? ''));
  if (zone) return { refused: `is given a time zone that is a path (${zone.value?.text ?? ''})` };
  const [first] = words;
  if (!first) return undefined;
  if (first.value?.startsWith('+')) return undefined;
  return { risk: 'high', does: 'sets the system clock (an operand not starting with + is a date)' };
}

/** `uniq IN OUT` writes OUT; a pattern or an unquoted expansion may become two words. */
function uniqOperands(words: readonly Word[]): Effect | OperandRoles | undefined {
  const [input, output] = words;
  if (words.length > 2) return { refused: 'takes at most an input and an output file' };
  if (words.some((w) => w.glob || w.splits))
    return {
      refused: `is given ${words.map((w) => w.text).join(' ')}, which may become two words, the second a file it writes`,
    };
  // uniq INPUT OUTPUT writes OUTPUT.
  return { writes: output ? [output] : [], reads: input ? [input] : [] };
}

/** `printf -v NAME` assigns a shell variable, whose name may hold an array subscript that runs code. */
function printfOperands(words: readonly Word[]): Effect | undefined {
  const [first] = words;
  if (!first) return undefined;
  if (first.value === undefined && !first.notOption)
    return {
      refused: 'is given a format known only at run time, which could be -v (assigns a variable)',
    };
  if (first.value?.startsWith('-v'))
    return { refused: '-v assigns a shell variable, whose subscript can run code' };
  return undefined;
}

/** `test -v NAME` evaluates the subscript of NAME, which can run code. */
function testOperands(words: readonly Word[]): Effect | undefined {
  if (words.some((w) => w.value === '-v'))
    return { refused: '-v evaluates a variable name, whose subscript can run code' };
  if (words.some((w) => w.value === undefined && !w.notOption))
    return { refused: 'is given a word known only at run time, which could become -v (runs code)' };
  return undefined;
}

/** grep's own options, shared by egrep and fgrep (scripts that run `grep -E`/`grep -F`). */
const GREP_OPTIONS: readonly OptionGroup[] = [
  {
    why: 'only choose how patterns match and which lines are selected',
    options: [
      '-E, --extended-regexp',
      '-F, --fixed-strings',
      '-G, --basic-regexp',
      '-P, --perl-regexp',
      '-e, --regexp=PATTERNS',
      '-i, --ignore-case',
      '--no-ignore-case',
      '-w, --word-regexp',
      '-x, --line-regexp',
      '-z, --null-data',
      '-v, --invert-match',
      '-m, --max-count=NUM',
    ],
  },
  {
    why: 'only choose what is printed for each match',
    options: [
      '-s, --no-messages',
      '-b, --byte-offset',
      '-n, --line-number',
      '--line-buffered',
      '-H, --with-filename',
      '-h, --no-filename',
      '--label=LABEL',
      '-o, --only-matching',
      '-q, --quiet',
      '--silent',
      '--binary-files=TYPE',
      '-a, --text',
      '-I',
      '-L, --files-without-match',
      '-l, --files-with-matches',
      '-c, --count',
      '-T, --initial-tab',
      '-Z, --null',
      '-B, --before-context=NUM',
      '-A, --after-context=NUM',
      '-C, --context=NUM',
      '--group-separator=SEP',
      '--no-group-separator',
      '--color[=WHEN]',
      '--colour[=WHEN]',
      '-U, --binary',
    ],
  },
  CONTEXT_DIGITS,
  {
    why: 'read patterns, or names of files to skip, from a file, which is checked like any file read',
    options: ['-f, --file=FILE', '--exclude-from=FILE'],
  },
  {
    // -d takes read, skip or recurse; a spec cannot judge the value, so any -d counts as recursive.
    why: 'search every file under a directory (-d recurse too; with no file, the current directory), so the whole tree must hold no secrets',
    options: ['-r, --recursive', '-d, --directories=ACTION'],
    recursive: true,
  },
  {
    // -R follows every link in the tree, out of the searchable places (/usr/lib/ssl/private).
    why: 'search every file under a directory, following links out of it',
    options: ['-R, --dereference-recursive'],
    effect: { refused: 'follows links out of the tree it searches' },
  },
  {
    why: 'only choose which files a recursive search reads',
    options: ['--include=GLOB', '--exclude=GLOB', '--exclude-dir=GLOB'],
  },
];

const grepSpec = (name: string, about: string): ProgramSpec => ({
  name,
  about,
  options: GREP_OPTIONS,
  // The first operand is the pattern unless -e or -f gives one; it is counted as read too.
  operands: {
    kind: 'files',
    about: 'PATTERNS (unless -e or -f gives them), then files (standard input if none)',
    patternFirstUnless: ['regexp', 'file'],
  },
});

const checksumSpec = (name: string, about: string): ProgramSpec => ({
  name,
  about,
  options: [
    {
      why: 'only choose how checksums are printed',
      options: ['-b, --binary', '--tag', '-t, --text', '-z, --zero'],
    },
    {
      // -c opens the files a checksum list names: unseen, a device (/dev/watchdog) among them.
      why: 'check the files a checksum list names',
      options: ['-c, --check', '--ignore-missing', '--quiet', '--status', '--strict', '-w, --warn'],
      effect: LISTED_FILES,
    },
  ],
  operands: { kind: 'files' },
});

export const SPECS: readonly ProgramSpec[] = [
  {
    name: 'cat',
    about: 'print files',
    options: [
      {
        why: 'only mark or number what is printed',
        options: [
          '-A, --show-all',
          '-b, --number-nonblank',
          '-e',
          '-E, --show-ends',
          '-n, --number',
          '-s, --squeeze-blank',
          '-t',
          '-T, --show-tabs',
          '-u',
          '-v, --show-nonprinting',
        ],
      },
    ],
    operands: { kind: 'files' },
  },
  {
    name: 'head',
    about: 'print the first lines of files',
    numericOption: 'lines',
    options: [
      {
        why: 'only choose how much is printed',
        options: [
          '-c, --bytes=NUM',
          '-n, --lines=NUM',
          '-q, --quiet',
          '--silent',
          '-v, --verbose',
          '-z, --zero-terminated',
        ],
      },
    ],
    operands: { kind: 'files' },
  },
  {
    name: 'tail',
    about: 'print the last lines of files, or follow them as they grow',
    numericOption: 'lines',
    options: [
      {
        why: 'only choose how much is printed',
        options: [
          '-c, --bytes=NUM',
          '-n, --lines=NUM',
          '-q, --quiet',
          '--silent',
          '-v, --verbose',
          '-z, --zero-terminated',
        ],
      },
      {
        // -f takes no value; only --follow=name|descriptor does. The gateway's timeout ends it.
        why: 'keep printing what is appended, until the command times out',
        options: [
          '-f',
          '--follow[=HOW]',
          '-F',
          '--retry',
          '--max-unchanged-stats=N',
          '--pid=PID',
          '-s, --sleep-interval=N',
        ],
      },
    ],
    operands: { kind: 'files' },
  },
  {
    name: 'wc',
    about: 'count lines, words and bytes',
    options: [
      {
        why: 'only choose which counts are printed',
        options: [
          '-c, --bytes',
          '-m, --chars',
          '-l, --lines',
          '-L, --max-line-length',
          '-w, --words',
        ],
      },
      {
        // The files it names are opened unseen (GTFOBins: the list's lines appear in errors).
        why: 'count the files named in a list file',
        options: ['--files0-from=FILE'],
        effect: LISTED_FILES,
      },
    ],
    operands: { kind: 'files' },
  },
  {
    name: 'sort',
    about: 'sort lines of text',
    options: [
      {
        why: 'only choose how lines are compared and which are printed',
        options: [
          '-b, --ignore-leading-blanks',
          '-d, --dictionary-order',
          '-f, --ignore-case',
          '-g, --general-numeric-sort',
          '-i, --ignore-nonprinting',
          '-M, --month-sort',
          '-h, --human-numeric-sort',
          '-n, --numeric-sort',
          '-R, --random-sort',
          '-r, --reverse',
          '--sort=WORD',
          '-V, --version-sort',
          '-k, --key=KEYDEF',
          '-m, --merge',
          '-s, --stable',
          '-t, --field-separator=SEP',
          '-u, --unique',
          '-z, --zero-terminated',
          '--debug',
        ],
      },
      {
        // -c and -C take no value; --check takes an optional one (quiet, silent, diagnose-first).
        why: 'only check whether the input is sorted',
        options: ['-c', '-C', '--check[=HOW]'],
      },
      {
        why: 'only tune memory and threads',
        options: ['--parallel=N'],
      },
      {
        // Declared so that --version is not read as an abbreviation of --version-sort.
        why: 'only print the version',
        options: ['--version'],
      },
      {
        why: 'writes the sorted lines to a file',
        options: ['-o, --output=OUT'],
      },
      {
        why: 'runs a program to compress its temporary files',
        options: ['--compress-program=PROG'],
        effect: RUNS_A_PROGRAM,
      },
      {
        why: 'writes temporary files into a directory it names',
        options: ['-T, --temporary-directory=DIR'],
        effect: { refused: 'writes temporary files into a directory it names' },
      },
      {
        // `printf '/etc/shadow\0' | sort --files0-from=-` prints a file the policy never saw.
        why: 'reads and prints the files named in a list, which the policy cannot check',
        options: ['--files0-from=FILE'],
        effect: {
          secret:
            'prints the files named in a list (or on standard input), which could be secrets the policy cannot see',
        },
      },
    ],
    operands: { kind: 'files' },
  },
  {
    name: 'uniq',
    about: 'drop or count repeated adjacent lines',
    options: [
      {
        why: 'only choose how lines are compared and which are printed',
        options: [
          '-c, --count',
          '-d, --repeated',
          '-D',
          '--all-repeated[=METHOD]',
          '-f, --skip-fields=N',
          '--group[=METHOD]',
          '-i, --ignore-case',
          '-s, --skip-chars=N',
          '-u, --unique',
          '-z, --zero-terminated',
          '-w, --check-chars=N',
        ],
      },
    ],
    operands: {
      kind: 'files',
      about: 'INPUT (a second operand is a file written)',
      judge: uniqOperands,
    },
  },
  {
    name: 'cut',
    about: 'print selected parts of lines',
    options: [
      {
        why: 'only choose which parts of lines are printed',
        options: [
          '-b, --bytes=LIST',
          '-c, --characters=LIST',
          '-d, --delimiter=DELIM',
          '-f, --fields=LIST',
          '-n',
          '--complement',
          '-s, --only-delimited',
          '--output-delimiter=STRING',
          '-z, --zero-terminated',
        ],
      },
    ],
    operands: { kind: 'files' },
  },
  {
    name: 'tr',
    about: 'translate or delete characters of standard input',
    options: [
      {
        why: 'only choose how characters are translated',
        options: [
          '-c, --complement',
          '-C',
          '-d, --delete',
          '-s, --squeeze-repeats',
          '-t, --truncate-set1',
        ],
      },
    ],
    operands: { kind: 'text', about: 'STRING1 [STRING2]', max: 2 },
  },
  {
    name: 'ls',
    about: 'list directory contents',
    options: [
      {
        why: 'only choose which entries are listed and in what order',
        options: [
          '-a, --all',
          '-A, --almost-all',
          '-B, --ignore-backups',
          '-c',
          '-d, --directory',
          '-f',
          '--group-directories-first',
          '-H, --dereference-command-line',
          '--dereference-command-line-symlink-to-dir',
          '--hide=PATTERN',
          '-I, --ignore=PATTERN',
          '-L, --dereference',
          '-r, --reverse',
          '-R, --recursive',
          '-S',
          '--sort=WORD',
          '--time=WORD',
          '-t',
          '-u',
          '-U',
          '-v',
          '-X',
        ],
      },
      {
        why: 'only choose how entries are printed',
        options: [
          '--author',
          '-b, --escape',
          '--block-size=SIZE',
          '-C',
          '--color[=WHEN]',
          '-D, --dired',
          '-F',
          '--classify[=WHEN]',
          '--file-type',
          '--format=WORD',
          '--full-time',
          '-g',
          '-G, --no-group',
          '-h, --human-readable',
          '--si',
          '--hyperlink[=WHEN]',
          '--indicator-style=WORD',
          '-i, --inode',
          '-k, --kibibytes',
          '-l',
          '-m',
          '-n, --numeric-uid-gid',
          '-N, --literal',
          '-o',
          '-p',
          '-q, --hide-control-chars',
          '--show-control-chars',
          '-Q, --quote-name',
          '--quoting-style=WORD',
          '-s, --size',
          '--time-style=TIME_STYLE',
          '-T, --tabsize=COLS',
          '-w, --width=COLS',
          '-x',
          '-Z, --context',
          '--zero',
          '-1',
        ],
      },
    ],
    operands: { kind: 'paths' },
  },
  {
    name: 'stat',
    about: 'show file or file system status',
    options: [
      {
        why: 'only choose what is shown and how',
        options: [
          '-L, --dereference',
          '-f, --file-system',
          '--cached=MODE',
          '-c, --format=FORMAT',
          '--printf=FORMAT',
          '-t, --terse',
        ],
      },
    ],
    operands: { kind: 'paths' },
  },
  {
    name: 'du',
    about: 'show disk usage of files and directories',
    options: [
      {
        why: 'only choose what is counted and how sizes are printed',
        options: [
          '-0, --null',
          '-a, --all',
          '--apparent-size',
          '-B, --block-size=SIZE',
          '-b, --bytes',
          '-c, --total',
          '-D, --dereference-args',
          '-d, --max-depth=N',
          '-H',
          '-h, --human-readable',
          '--inodes',
          '-k',
          '-L, --dereference',
          '-l, --count-links',
          '-m',
          '-P, --no-dereference',
          '-S, --separate-dirs',
          '--si',
          '-s, --summarize',
          '-t, --threshold=SIZE',
          '--time[=WORD]',
          '--time-style=STYLE',
          '--exclude=PATTERN',
          '-x, --one-file-system',
        ],
      },
      {
        why: 'read patterns to skip from a file, which is checked like any file read',
        options: ['-X, --exclude-from=FILE'],
      },
      {
        why: 'measure the files named in a list file',
        options: ['--files0-from=FILE'],
        effect: LISTED_FILES,
      },
    ],
    operands: { kind: 'paths' },
  },
  {
    // --sync is left out: it flushes every file system's buffers before reading.
    name: 'df',
    about: 'show file system disk space usage',
    options: [
      {
        why: 'only choose which file systems are shown and how',
        options: [
          '-a, --all',
          '-B, --block-size=SIZE',
          '-h, --human-readable',
          '-H, --si',
          '-i, --inodes',
          '-k',
          '-l, --local',
          '--no-sync',
          '--output[=FIELD_LIST]',
          '-P, --portability',
          '--total',
          '-t, --type=TYPE',
          '-T, --print-type',
          '-x, --exclude-type=TYPE',
          '-v',
        ],
      },
    ],
    operands: { kind: 'paths' },
  },
  {
    name: 'readlink',
    about: 'print where a symbolic link points, or a canonical file name',
    options: [
      {
        why: 'only choose how the name is resolved and printed',
        options: [
          '-f, --canonicalize',
          '-e, --canonicalize-existing',
          '-m, --canonicalize-missing',
          '-n, --no-newline',
          '-q, --quiet',
          '-s, --silent',
          '-v, --verbose',
          '-z, --zero',
        ],
      },
    ],
    operands: { kind: 'paths' },
  },
  {
    name: 'realpath',
    about: 'print the resolved absolute file name',
    options: [
      {
        why: 'only choose how the name is resolved and printed',
        options: [
          '-e, --canonicalize-existing',
          '-m, --canonicalize-missing',
          '-L, --logical',
          '-P, --physical',
          '-q, --quiet',
          '--relative-to=DIR',
          '--relative-base=DIR',
          '-s, --strip',
          '--no-symlinks',
          '-z, --zero',
        ],
      },
    ],
    operands: { kind: 'paths' },
  },
  {
    name: 'basename',
    about: 'strip the directory (and a suffix) from names',
    options: [
      {
        why: 'only work on the text of names',
        options: ['-a, --multiple', '-s, --suffix=SUFFIX', '-z, --zero'],
      },
    ],
    operands: { kind: 'text', about: 'NAME [SUFFIX], or NAME... with -a or -s' },
  },
  {
    name: 'dirname',
    about: 'strip the last component from names',
    options: [{ why: 'only work on the text of names', options: ['-z, --zero'] }],
    operands: { kind: 'text', about: 'NAME...' },
  },
  checksumSpec('md5sum', 'print or check MD5 checksums'),
  checksumSpec('sha256sum', 'print or check SHA-256 checksums'),
  {
    // Left out: -p/--preserve-date (resets the access time of each file it reads, a write),
    // -S/--no-sandbox (turns off the sandbox file parses untrusted data in).
    name: 'file',
    about: 'determine the type of files',
    options: [
      {
        why: 'only choose how the type is determined and printed',
        options: [
          '-b, --brief',
          '-i, --mime',
          '--apple',
          '--extension',
          '--mime-type',
          '--mime-encoding',
          '-k, --keep-going',
          '-L, --dereference',
          '-h, --no-dereference',
          '-n, --no-buffer',
          '-N, --no-pad',
          '-0, --print0',
          '-r, --raw',
          '-F, --separator=STRING',
          '-e, --exclude=TEST',
          '--exclude-quiet=TEST',
          '-P, --parameter=LIMIT',
          '-l, --list',
          '-d, --debug',
        ],
      },
      {
        // -s is how one reads the file system type on a partition: `file -s /dev/sda1`.
        why: 'look inside block devices, still printing only their type',
        options: ['-s, --special-files'],
      },
      {
        // file runs gzip, lzip, lz4 … from PATH to look inside (seen under strace).
        why: 'look inside compressed files by running their decompressors',
        options: ['-z, --uncompress', '-Z, --uncompress-noreport'],
        effect: { refused: 'runs decompressor programs on the files' },
      },
      {
        // GTFOBins: the lines of -f's list and of -m's magic file appear in what file prints.
        // -m takes a colon-separated list, and a directory there is read file by file.
        why: 'print the magic it read (-c)',
        options: ['-c, --checking-printout'],
      },
      {
        why: 'read the names of the files to look at from a file',
        options: ['-f, --files-from=FILE'],
        effect: LISTED_FILES,
      },
      {
        why: 'reads a colon-separated list of magic files and directories',
        options: ['-m, --magic-file=LIST'],
        effect: { refused: 'reads a list of files and directories the policy does not split' },
      },
      {
        why: 'compiles the magic file given with -m into a new file',
        options: ['-C, --compile'],
        effect: { refused: 'writes a compiled magic file (the -m file name + .mgc)' },
      },
    ],
    operands: { kind: 'files' },
  },
  grepSpec('grep', 'print lines that match patterns'),
  grepSpec('egrep', 'grep -E: print lines that match extended regular expressions'),
  grepSpec('fgrep', 'grep -F: print lines that contain fixed strings'),
  {
    // zcat is `exec gzip -cd "$@"`: everything goes to standard output.
    name: 'zcat',
    about: 'print compressed files uncompressed',
    options: [
      {
        why: 'only choose what is printed; output always goes to standard output',
        options: [
          '-f, --force',
          '-l, --list',
          '-q, --quiet',
          '-S, --suffix=SUF',
          '--synchronous',
          '-t, --test',
          '-v, --verbose',
        ],
      },
      {
        // gzip -r with -f follows links out of the tree; zgrep and grep -r serve instead.
        why: 'print every file under a directory',
        options: ['-r, --recursive'],
        effect: { refused: 'reads a whole tree, following links with -f' },
      },
    ],
    operands: { kind: 'files' },
  },
  {
    // zgrep is a script that reads options by hand before it runs grep on `gzip -cdfq FILE`.
    // It takes a separate value only for -A -B -C -e -f -m and for --regexp --file --max-count
    // --label --binary-files spelled out; so every long option's value is written attached
    // (`--max-count=5`): a separate word is then an operand here too, which zgrep reads as
    // a file. It refuses -r -R -d -z -Z and --include/--exclude*.
    name: 'zgrep',
    about: 'grep in files that may be compressed',
    options: [
      {
        why: 'only choose how patterns match and which lines are selected',
        options: [
          '-E, --extended-regexp',
          '-F, --fixed-strings',
          '-G, --basic-regexp',
          '-P, --perl-regexp',
          '-e PATTERNS',
          '--regexp[=PATTERNS]',
          '-i, --ignore-case',
          '--no-ignore-case',
          '-w, --word-regexp',
          '-x, --line-regexp',
          '-v, --invert-match',
          '-m NUM',
          '--max-count[=NUM]',
        ],
      },
      {
        why: 'only choose what is printed for each match',
        options: [
          '-s, --no-messages',
          '-b, --byte-offset',
          '-n, --line-number',
          '--line-buffered',
          '-H, --with-filename',
          '-h, --no-filename',
          '--label[=LABEL]',
          '-o, --only-matching',
          '-q, --quiet',
          '--silent',
          '--binary-files[=TYPE]',
          '-a, --text',
          '-I',
          '-L, --files-without-match',
          '-l, --files-with-matches',
          '-c, --count',
          '-T, --initial-tab',
          '-B NUM',
          '--before-context[=NUM]',
          '-A NUM',
          '--after-context[=NUM]',
          '-C NUM',
          '--context[=NUM]',
          '--group-separator[=SEP]',
          '--no-group-separator',
          '--color[=WHEN]',
          '--colour[=WHEN]',
          '-U, --binary',
        ],
      },
      CONTEXT_DIGITS,
      {
        // zgrep copies a -f file that is not a regular file into /tmp/zgrepXXXX (gzip 1.12).
        why: 'read patterns from a file',
        options: ['-f FILE', '--file[=FILE]'],
        effect: { refused: 'may copy the pattern file into /tmp; give patterns with -e' },
      },
    ],
    operands: {
      kind: 'files',
      about: 'PATTERN (unless -e or -f gives it), then files (standard input if none)',
      patternFirstUnless: ['e', 'regexp', 'f', 'file'],
    },
  },
  {
    name: 'echo',
    about: 'print its arguments (bash builtin; -n, -e and -E only change what is printed)',
    rawArgs: true,
    operands: { kind: 'text' },
  },
  {
    name: 'printf',
    about: 'print formatted text (bash builtin; -v, which assigns a variable, is refused)',
    rawArgs: true,
    operands: { kind: 'text', about: 'FORMAT [ARGUMENT]...', judge: printfOperands },
  },
  {
    name: 'true',
    about: 'do nothing, successfully (bash builtin; arguments are ignored)',
    rawArgs: true,
    operands: { kind: 'text' },
  },
  {
    name: 'false',
    about: 'do nothing, unsuccessfully (bash builtin; arguments are ignored)',
    rawArgs: true,
    operands: { kind: 'text' },
  },
  {
    name: 'test',
    about:
      'evaluate a condition on strings, numbers and file metadata (bash builtin; -v is refused)',
    rawArgs: true,
    operands: { kind: 'text', about: 'EXPRESSION', judge: testOperands },
  },
  {
    name: '[',
    about: 'test, ending in ] (bash builtin; -v is refused)',
    rawArgs: true,
    operands: { kind: 'text', about: 'EXPRESSION ]', judge: testOperands },
  },
  {
    // The shell reader refuses -v and arithmetic comparisons of run-time values inside [[ ]]
    // (bash evaluates their operands, and an array subscript there runs code).
    name: '[[',
    about: 'evaluate a conditional expression (bash keyword)',
    rawArgs: true,
    operands: { kind: 'text', about: 'EXPRESSION ]]' },
  },
  {
    name: 'pwd',
    about: 'print the working directory (bash builtin)',
    options: [{ why: 'only choose whether symbolic links are resolved', options: ['-L', '-P'] }],
    operands: { kind: 'none' },
  },
  {
    name: 'exit',
    about: 'end the shell with a status (bash builtin)',
    rawArgs: true,
    operands: { kind: 'text', about: '[N]', max: 1 },
  },
  {
    name: 'sleep',
    about: 'wait for a time (the gateway times long commands out)',
    operands: { kind: 'text', about: 'NUMBER[SUFFIX]...' },
  },
  {
    name: 'printenv',
    about: 'print environment variables',
    options: [{ why: 'only choose how values are separated', options: ['-0, --null'] }],
    operands: { kind: 'names', about: 'variable names' },
  },
  {
    // debianutils' which is a sh script reading -a and -s with getopts, which stops at the
    // first operand.
    name: 'which',
    about: 'show which program a name runs',
    stopAtOperand: true,
    options: [
      {
        why: 'only choose what is printed',
        options: ['-a', '-s'],
      },
    ],
    operands: { kind: 'paths', about: 'program names' },
  },
  {
    name: 'date',
    about: 'print the date and time',
    options: [
      {
        why: 'only choose which time is printed and how',
        options: [
          '-d, --date=STRING',
          '--debug',
          '-I, --iso-8601[=FMT]',
          '--resolution',
          '-R, --rfc-email',
          '--rfc-3339=FMT',
          '-u, --utc',
          '--universal',
        ],
      },
      {
        why: 'print the modification time of a file (its metadata, not its contents)',
        options: ['-r, --reference=PATH'],
      },
      {
        // GTFOBins: each line of the file appears in an "invalid date" message.
        why: 'read dates from a file, one a line, which is checked like any file read',
        options: ['-f, --file=FILE'],
      },
      {
        why: 'sets the system clock',
        options: ['-s, --set=STRING'],
        effect: { risk: 'high', does: 'sets the system clock' },
      },
    ],
    operands: {
      kind: 'text',
      about: '[+FORMAT] (any other operand sets the clock)',
      max: 1,
      judge: dateOperand,
    },
  },
  {
    name: 'uname',
    about: 'print kernel and machine information',
    options: [
      {
        why: 'only choose which information is printed',
        options: [
          '-a, --all',
          '-s, --kernel-name',
          '-n, --nodename',
          '-r, --kernel-release',
          '-v, --kernel-version',
          '-m, --machine',
          '-p, --processor',
          '-i, --hardware-platform',
          '-o, --operating-system',
        ],
      },
    ],
    operands: { kind: 'none' },
  },
  {
    name: 'id',
    about: 'print user and group ids',
    options: [
      {
        why: 'only choose which ids are printed and how',
        options: [
          '-a',
          '-Z, --context',
          '-g, --group',
          '-G, --groups',
          '-n, --name',
          '-r, --real',
          '-u, --user',
          '-z, --zero',
        ],
      },
    ],
    operands: { kind: 'names', about: 'user names' },
  },
  {
    name: 'whoami',
    about: 'print the effective user name',
    operands: { kind: 'none' },
  },
  {
    name: 'nproc',
    about: 'print the number of processing units',
    options: [{ why: 'only choose which units are counted', options: ['--all', '--ignore=N'] }],
    operands: { kind: 'none' },
  },
];
