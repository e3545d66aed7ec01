import type {
  Effect,
  OptionGroup,
  Operands,
  ProgramJudgement,
  ProgramSpec,
  SubcommandSpec,
} from '../program-spec.js';
import { judgeProgram, nameProblem } from '../program-spec.js';
import { secretFile } from '../secrets.js';
import type { Word } from '../shell-syntax.js';

/**
 * Packages, containers and cron tables: dpkg 1.21, apt and apt-cache 2.6 (checked against apt's
 * own option tables, apt-private/private-cmndline.cc), rpm 4.x (popt tables in lib/poptQV.cc,
 * lib/poptI.cc, lib/poptALL.cc and the aliases of rpmpopt.in), the docker 28 CLI, and crontab
 * as cronie and Debian's cron read it. Each was checked against GTFOBins: dpkg -l and apt-get
 * changelog open a pager (no terminal here, so none opens; apt changelog is refused anyway),
 * dpkg -i and rpm -i run a package's maintainer scripts (high: they install packages),
 * apt -o/-c name commands apt runs (refused), rpm --eval, --define and --pipe run commands
 * (refused), docker run/exec/cp are left out, and crontab -e opens an editor (refused).
 *
 * Only the reading side of each program is low risk: a query, a listing, a status. What
 * installs, removes or configures packages is high; starting or stopping a container is medium.
 *
 * Where a spec cannot say it alone, a judge reads the words by the program's own grammar:
 * rpm's -i is --info after -q and --install without it, and a query format may not use the
 * `:expand` formatter (it expands macros, which can run commands); crontab with neither -l,
 * -r nor -e installs a new table from a file or from standard input. Their option groups below
 * are what that judge reads.
 */

// ——— Reading a program by its own grammar, where the mode decides what an option means ———

/** The effect of judging `words` by an inner spec, as one effect for the program's judge. */
function effectOf(name: string, j: ProgramJudgement): Effect | undefined {
  const own = (text: string) => (text.startsWith(`${name} `) ? text.slice(name.length + 1) : text);
  if (!j.ok) return { refused: own(j.problem) };
  if (j.secret) return { secret: own(j.secret) };
  for (const read of j.reads) {
    const secret = secretFile(read);
    if (secret) return { secret: `reads ${secret}` };
  }
  if (j.risk !== 'low') return { risk: j.risk, does: j.does.join('; ') };
  return undefined;
}

/** A judgement by an inner spec, with its option words and operands told apart. */
interface Read {
  readonly j: ProgramJudgement;
  readonly options: readonly Word[];
  readonly operands: readonly Word[];
}

/** Judges `words` by `spec`, keeping which canonical words are options and which operands. */
function readBy(spec: ProgramSpec, words: readonly Word[]): Read {
  let operands: readonly Word[] = [];
  const judge = spec.operands.judge;
  const capture: ProgramSpec = {
    ...spec,
    operands: {
      ...spec.operands,
      judge: (w, given) => {
        operands = w;
        return judge?.(w, given);
      },
    },
  };
  const j = judgeProgram(capture, words);
  const options = j.ok ? j.canonical.slice(0, j.canonical.length - operands.length) : [];
  return { j, options, operands };
}

const hasOption = (read: Read, flag: string): boolean => read.options.some((w) => w.value === flag);

// ——— dpkg ———

const DPKG_CHANGES: Effect = { risk: 'high', does: 'changes installed packages' };

const DPKG: ProgramSpec = {
  name: 'dpkg',
  about: 'query and manage Debian packages',
  // dpkg's own parser stops at the first operand; a later dash word is read here as an option
  // all the same, which can only add an effect or deny (`dpkg -l foo -i` is judged an install),
  // and lets an unquoted pattern (`dpkg -l nginx*`) be an operand.
  options: [
    {
      // These run dpkg-query, which prints from /var/lib/dpkg; -S looks the path up there.
      why: 'only print what the package database says: listings, status, owned files, which package owns a path',
      options: [
        '-l, --list',
        '-L, --listfiles',
        '-s, --status',
        '-S, --search',
        '-p, --print-avail',
        '--get-selections',
        '--print-architecture',
        '--print-foreign-architectures',
        '--yet-to-unpack',
        '--compare-versions',
      ],
    },
    {
      // dpkg-deb lists the archive or prints its control members; nothing is unpacked, and a
      // file that is not a .deb is refused with "not a Debian format archive", not printed.
      why: 'print the file list of a .deb archive, without unpacking it',
      options: ['-c, --contents'],
    },
    {
      // dpkg-deb unpacks the control members into /tmp and prints any operand under it: `dpkg
      // -I x.deb ../../etc/shadow` prints the file (found by an adversarial review).
      why: 'print the control information or fields of a .deb archive',
      options: ['-I, --info', '-f, --field'],
      effect: { refused: 'unpacks control files into /tmp and prints operands as paths under it' },
    },
    {
      // -V hashes installed files and prints only the ones that differ, never their contents.
      why: 'check installed packages against the database: broken packages, or files that differ',
      options: ['-C, --audit', '-V, --verify', '--verify-format=FORMAT'],
    },
    {
      why: 'only choose how output is shown (no pager)',
      options: ['--no-pager'],
    },
    {
      // GTFOBins: dpkg -i of a package built with fpm runs its preinst as root.
      why: 'install, remove, purge or configure packages (their maintainer scripts run as root), or change selections and architectures',
      options: [
        '-i, --install',
        '--unpack',
        '-A, --record-avail',
        '--configure',
        '--triggers-only',
        '-r, --remove',
        '-P, --purge',
        '--set-selections',
        '--clear-selections',
        '--update-avail',
        '--merge-avail',
        '--clear-avail',
        '--forget-old-unavail',
        '--add-architecture',
        '--remove-architecture',
      ],
      effect: DPKG_CHANGES,
    },
    {
      why: 'only shape an install, remove or configure (which is judged by its action)',
      options: [
        '-a, --pending',
        '-R, --recursive',
        '-O, --selected-only',
        '-E, --skip-same-version',
        '-G, --refuse-downgrade',
        '--no-act',
        '--dry-run',
        '--simulate',
        '--no-triggers',
        '--no-debsig',
      ],
    },
    {
      why: 'run a shell command before or after each run, or feed status to one',
      options: ['--pre-invoke=COMMAND', '--post-invoke=COMMAND', '--status-logger=COMMAND'],
      effect: { refused: 'runs a shell command the policy cannot see' },
    },
    // Left out, so they deny: --root, --instdir and --admindir (another database or root),
    // --log and --status-fd (write elsewhere), --force-* (only matter when changing packages),
    // and dpkg-deb's writers -x, -X, -e, -b, -R (they unpack or build into a directory).
  ],
  operands: {
    kind: 'text',
    about:
      'package names or patterns; paths or patterns for -S; a .deb archive (and control files or fields) for -c, -I, -f',
  },
};

// ——— apt and apt-cache ———

const APT_CONFIG: OptionGroup = {
  why: 'set any apt configuration item, or read another configuration file',
  // GTFOBins apt-get: -o APT::Update::Pre-Invoke::=/bin/sh, -c FILE with Dpkg::Pre-Invoke.
  options: ['-o, --option=CONFIG', '-c, --config-file=CONFIG'],
  effect: {
    refused:
      'sets apt configuration, which can name commands apt runs (APT::Update::Pre-Invoke, DPkg::Pre-Invoke)',
  },
};

const APT_QUIET: OptionGroup = {
  why: 'only print less',
  options: ['-q, --quiet', '--silent'],
};

const APT_PATTERNS: Operands = { kind: 'text', about: 'package names, patterns or regexes' };

const APT_DEPENDS: SubcommandSpec = {
  about: 'print the dependencies of packages, or what depends on them',
  options: [
    {
      why: 'only choose which dependency types are shown, and whether to follow them',
      options: [
        '-i, --important',
        '--installed',
        '--recurse',
        '--implicit',
        '--pre-depends',
        '--no-pre-depends',
        '--depends',
        '--no-depends',
        '--recommends',
        '--no-recommends',
        '--suggests',
        '--no-suggests',
        '--replaces',
        '--no-replaces',
        '--breaks',
        '--no-breaks',
        '--conflicts',
        '--no-conflicts',
        '--enhances',
        '--no-enhances',
      ],
    },
  ],
  operands: APT_PATTERNS,
};

const APT_SEARCH: SubcommandSpec = {
  about: 'search package names and descriptions',
  options: [
    {
      why: 'only choose what is searched and printed',
      options: ['-n, --names-only', '-f, --full'],
    },
  ],
  operands: { kind: 'text', about: 'regular expressions' },
};

const APT_POLICY: SubcommandSpec = {
  about: 'print the candidate and installed versions and the pinning of packages',
  operands: APT_PATTERNS,
};

const APT_SHOWSRC: SubcommandSpec = {
  about: 'print the source package records',
  options: [{ why: 'only choose which records are printed', options: ['--only-source'] }],
  operands: APT_PATTERNS,
};

/** `apt install ./x.deb`: a local package, whose maintainer scripts are not from a repository. */
function aptPackages(words: readonly Word[]): Effect | undefined {
  const local = words.find(
    (w) => w.value === undefined || /^\.{0,2}\/|\.(deb|dsc)$/.test(w.value) || w.glob,
  );
  if (local)
    return {
      risk: 'high',
      does: `installs from a local file (${local.text}), running its maintainer scripts as root`,
    };
  return undefined;
}

const APT_INSTALL_OPTIONS: readonly OptionGroup[] = [
  {
    why: 'answer the prompt, or only simulate',
    options: [
      '-y, --yes',
      '--assume-yes',
      '--assume-no',
      '-s, --simulate',
      '--dry-run',
      '--just-print',
      '--recon',
      '--no-act',
    ],
  },
  {
    // --allow-downgrades, --allow-unauthenticated, --force-yes, --solver and --planner are left out.
    why: 'choose which packages and versions the change takes (the change itself is judged by the sub-command)',
    options: [
      '-t, --target-release=RELEASE',
      '--default-release=RELEASE',
      '--install-recommends',
      '--no-install-recommends',
      '--install-suggests',
      '--no-install-suggests',
      '--only-upgrade',
      '--no-upgrade',
      '--reinstall',
      '--purge',
      '--autoremove',
      '--auto-remove',
      '-f, --fix-broken',
      '-m, --ignore-missing',
      '--fix-missing',
      '-d, --download-only',
    ],
  },
  {
    why: 'only choose what is printed',
    options: ['-V, --verbose-versions', '-u, --show-upgraded', '--show-progress'],
  },
];

const changesPackages = (
  about: string,
  does: string,
  judge?: Operands['judge'],
): SubcommandSpec => ({
  about,
  options: APT_INSTALL_OPTIONS,
  operands: { ...APT_PATTERNS, ...(judge ? { judge } : {}) },
  effect: { risk: 'high', does },
});

const APT: ProgramSpec = {
  name: 'apt',
  about: 'list, search and show packages; install, remove and upgrade them',
  // apt reads options anywhere (its own parser); the global ones are read after the command too.
  inheritOptions: true,
  options: [APT_QUIET, APT_CONFIG],
  subcommands: {
    list: {
      about: 'list packages by name, installed or upgradable',
      options: [
        {
          why: 'only choose which packages and versions are listed',
          options: [
            '-i, --installed',
            '--upgradable',
            '--upgradeable',
            '--manual-installed',
            '-a, --all-versions',
            '-v, --verbose',
          ],
        },
      ],
      operands: APT_PATTERNS,
    },
    search: APT_SEARCH,
    show: {
      about: 'print the records of packages',
      aliases: ['info'],
      options: [
        { why: 'only choose what is printed', options: ['-a, --all-versions', '-f, --full'] },
      ],
      operands: APT_PATTERNS,
    },
    showsrc: APT_SHOWSRC,
    policy: APT_POLICY,
    depends: APT_DEPENDS,
    rdepends: APT_DEPENDS,
    install: changesPackages('install packages', 'installs packages', aptPackages),
    reinstall: changesPackages('reinstall packages', 'reinstalls packages', aptPackages),
    remove: changesPackages('remove packages', 'removes packages'),
    purge: changesPackages('remove packages and their configuration', 'purges packages'),
    autoremove: changesPackages('remove packages nothing needs any more', 'removes packages'),
    'auto-remove': changesPackages('remove packages nothing needs any more', 'removes packages'),
    autopurge: changesPackages('purge packages nothing needs any more', 'purges packages'),
    upgrade: changesPackages('upgrade packages', 'upgrades packages'),
    'full-upgrade': changesPackages(
      'upgrade packages, removing some if needed',
      'upgrades packages',
    ),
    'dist-upgrade': changesPackages(
      'upgrade packages, removing some if needed',
      'upgrades packages',
    ),
    satisfy: changesPackages('install packages to satisfy dependency strings', 'installs packages'),
    'build-dep': changesPackages('install the build dependencies of packages', 'installs packages'),
    update: {
      about: 'refresh the package lists from the repositories',
      options: APT_INSTALL_OPTIONS,
      operands: { kind: 'none' },
      effect: { risk: 'high', does: 'refreshes the package lists from the repositories' },
    },
    clean: {
      about: 'delete downloaded package files from /var/cache/apt/archives',
      options: APT_INSTALL_OPTIONS,
      operands: { kind: 'none' },
      effect: { risk: 'medium', does: 'deletes downloaded package files from the apt cache' },
    },
    autoclean: {
      about: 'delete downloaded package files that can no longer be downloaded',
      aliases: ['auto-clean'],
      options: APT_INSTALL_OPTIONS,
      operands: { kind: 'none' },
      effect: { risk: 'medium', does: 'deletes outdated package files from the apt cache' },
    },
    'edit-sources': {
      about: 'edit the sources list',
      operands: { kind: 'text' },
      effect: { refused: 'opens an editor, which can run commands' },
    },
    changelog: {
      about: 'download and show the changelog of packages',
      operands: { kind: 'text' },
      // GTFOBins apt-get changelog: its pager can run a shell.
      effect: { refused: 'downloads a changelog from the network and opens it in a pager' },
    },
    download: {
      about: 'download .deb files into the current directory',
      operands: { kind: 'text' },
      effect: { refused: 'downloads packages from the network into the current directory' },
    },
    source: {
      about: 'download (and with -b build) source packages',
      operands: { kind: 'text' },
      effect: { refused: 'downloads source packages from the network, and can build them' },
    },
  },
  operands: { kind: 'none' },
};

const APT_CACHE: ProgramSpec = {
  name: 'apt-cache',
  about: "query apt's package cache",
  inheritOptions: true,
  options: [
    APT_QUIET,
    APT_CONFIG,
    {
      why: 'only choose which release is preferred',
      options: ['-t, --target-release=RELEASE', '--default-release=RELEASE'],
    },
    {
      // apt-cache rebuilds a cache that is stale or not one into these files.
      why: 'read (and rebuild) the binary package cache in another file, which apt-cache may write',
      options: ['-p, --pkg-cache=OUT', '-s, --src-cache=OUT'],
    },
  ],
  subcommands: {
    policy: APT_POLICY,
    show: {
      about: 'print the records of packages',
      options: [{ why: 'only choose which versions are printed', options: ['-a, --all-versions'] }],
      operands: APT_PATTERNS,
    },
    showpkg: { about: 'print what the cache knows of packages', operands: APT_PATTERNS },
    showsrc: APT_SHOWSRC,
    search: APT_SEARCH,
    depends: APT_DEPENDS,
    rdepends: APT_DEPENDS,
    madison: { about: 'print the available versions of packages', operands: APT_PATTERNS },
    stats: { about: 'print statistics about the cache', operands: { kind: 'none' } },
    pkgnames: {
      about: 'list package names',
      options: [{ why: 'only choose which names are listed', options: ['--all-names'] }],
      operands: { kind: 'text', about: 'a name prefix', max: 1 },
    },
    dump: { about: 'print every package in the cache', operands: { kind: 'none' } },
    dumpavail: { about: 'print the available packages', operands: { kind: 'none' } },
    unmet: {
      about: 'print unmet dependencies',
      options: [{ why: 'only choose which are printed', options: ['-i, --important'] }],
      operands: APT_PATTERNS,
    },
    gencaches: {
      // Every apt-cache run does the same when the cache is stale and it may write it.
      about: "rebuild apt's binary caches in /var/cache/apt",
      operands: { kind: 'none' },
      effect: { risk: 'medium', does: "rebuilds apt's package caches" },
    },
  },
  operands: { kind: 'none' },
};

// ——— rpm ———

/**
 * rpm's popt aliases and exec aliases (rpmpopt.in): popt also reads each with one dash, so
 * `-fileclass` is `--fileclass`, not -f -i -l -e ….
 */
const RPM_ALIASES = new Set([
  'scripts',
  'setperms',
  'setugids',
  'setcaps',
  'conflicts',
  'obsoletes',
  'provides',
  'requires',
  'recommends',
  'suggests',
  'supplements',
  'enhances',
  'info',
  'changelog',
  'changes',
  'xml',
  'json',
  'triggerscripts',
  'triggers',
  'filetriggerscripts',
  'filetriggers',
  'last',
  'dupes',
  'filesbypkg',
  'fileclass',
  'filemime',
  'filecolor',
  'fileprovide',
  'filerequire',
  'filecaps',
  'i18ndomains',
  'color',
  'httpport',
  'httpproxy',
  'trace',
  'addsign',
  'delsign',
  'resign',
  'checksig',
  'import',
  'initdb',
  'rebuilddb',
  'verifydb',
  'specfile',
]);

const RPM_QUERY_OPTIONS: readonly OptionGroup[] = [
  { why: 'query mode: print what the package database says', options: ['-q, --query'] },
  {
    // -f and --path look the path up in the database; the file itself is not read.
    why: 'choose which installed packages are queried: all, the owner of a path, a group, or what provides, requires or is triggered by a capability',
    options: [
      '-a, --all',
      '-f, --file',
      '--path',
      '-g, --group',
      '--whatprovides',
      '--whatrequires',
      '--whatrecommends',
      '--whatsuggests',
      '--whatsupplements',
      '--whatenhances',
      '--whatconflicts',
      '--whatobsoletes',
      '--triggeredby',
    ],
  },
  {
    // These are rpmpopt aliases of fixed query formats, printing header data only.
    why: 'choose what is printed for each package: its information (-i is --info after -q), files, dependencies, scriptlets, changelog',
    options: [
      '-i',
      '--info',
      '-l, --list',
      '-s, --state',
      '-c, --configfiles',
      '-d, --docfiles',
      '-L, --licensefiles',
      '--dump',
      '--noghost',
      '--noconfig',
      '--provides',
      '-R, --requires',
      '--recommends',
      '--suggests',
      '--supplements',
      '--enhances',
      '--conflicts',
      '--obsoletes',
      '--scripts',
      '--triggers',
      '--triggerscripts',
      '--filetriggers',
      '--filetriggerscripts',
      '--changelog',
      '--changes',
      '--last',
      '--filesbypkg',
      '--fileclass',
      '--filecolor',
      '--filemime',
      '--fileprovide',
      '--filerequire',
      '--filecaps',
      '--xml',
      '--json',
    ],
  },
  {
    // headerFormat prints tags; only the :expand formatter expands macros (which run %(…)).
    why: 'print by a query format of header tags (a format using the :expand formatter, which expands macros, is refused)',
    options: ['--queryformat=QUERYFORMAT', '--qf=QUERYFORMAT'],
  },
  {
    why: 'only change how much is printed or checked',
    options: ['-v, --verbose', '--quiet', '--nodigest', '--nosignature'],
  },
  {
    why: 'print the version of rpm or the query tags it knows',
    options: ['--version', '--querytags'],
  },
  {
    // rpm -V runs each package's %verifyscript unless --noscripts (lib/verify.cc).
    why: 'verify mode: compare installed files with the database (only with --noscripts, which keeps the packages’ %verifyscript scriptlets from running)',
    options: ['-V, --verify', '--nofiledigest', '--nofiles'],
  },
  {
    why: 'skip dependency checks or scriptlets (for verify, install or erase)',
    options: ['--nodeps', '--noscripts'],
  },
  {
    // GTFOBins rpm: --eval '%(/bin/sh)', --eval '%{lua:…}'; --color and the other rpmpopt
    // aliases below define a macro from the next word, which can hold %(…) as well.
    why: 'evaluate or define rpm macros, or read macro and rc files',
    options: [
      '-E, --eval=EXPR',
      '-D, --define=MACRO',
      '--predefine=MACRO',
      '--macros=FILES',
      '--load=FILE',
      '--rcfile=FILES',
      '--color=WHEN',
      '--httpproxy=HOST',
      '--httpport=PORT',
      '--i18ndomains=DOMAINS',
    ],
    effect: { refused: 'expands rpm macros, which can run shell commands and Lua' },
  },
  {
    why: 'send the output through a shell command',
    options: ['--pipe=COMMAND'],
    effect: { refused: 'runs a shell command the policy cannot see (GTFOBins: rpm --pipe)' },
  },
  {
    why: 'query a spec file, through rpmspec',
    options: ['--specfile'],
    effect: {
      refused: "runs rpmspec, which expands the spec file's macros (they can run commands)",
    },
  },
  {
    why: 'query package files rather than the database',
    options: ['-p, --package'],
    effect: {
      refused:
        'reads package files, and any other file as a manifest whose words it prints; query the database instead',
    },
  },
  {
    why: 'use another root directory or database',
    options: ['-r, --root=ROOT', '--dbpath=DIRECTORY'],
    effect: { refused: 'reads another root or package database, which the policy does not judge' },
  },
];

const RPM_CHANGE_OPTIONS = (install: string): readonly OptionGroup[] => [
  {
    // GTFOBins rpm: rpm -ivh of a package built with fpm runs its %pre as root.
    why: 'install, upgrade, erase or restore packages (their scriptlets run as root), or rebuild the database',
    options: [
      install,
      '-U, --upgrade',
      '-F, --freshen',
      '--reinstall',
      '-e, --erase',
      '--restore',
      '--setperms',
      '--setugids',
      '--setcaps',
      '--initdb',
      '--rebuilddb',
    ],
    effect: { risk: 'high', does: 'changes installed packages' },
  },
  {
    why: 'import a signing key, so that packages it signed are trusted',
    options: ['--import'],
    effect: { risk: 'high', does: 'imports a package signing key' },
  },
  {
    why: 'only shape an install, upgrade or erase (which is judged by its mode)',
    options: [
      '-h, --hash',
      '--percent',
      '--test',
      '--force',
      '--replacepkgs',
      '--replacefiles',
      '--oldpackage',
      '--justdb',
      '--excludedocs',
      '--allmatches',
      '--notriggers',
    ],
  },
];

/** rpm with -q (or -V): -i is --info, and install options are ignored by the mode. */
const RPM_QUERY: ProgramSpec = {
  name: 'rpm',
  about: 'rpm in query mode',
  options: [...RPM_QUERY_OPTIONS, ...RPM_CHANGE_OPTIONS('--install')],
  operands: { kind: 'text' },
};

/** rpm without -q: -i installs. */
const RPM_OTHER: ProgramSpec = {
  name: 'rpm',
  about: 'rpm outside query mode',
  options: [
    ...RPM_QUERY_OPTIONS.map((g) => ({ ...g, options: g.options.filter((o) => o !== '-i') })),
    ...RPM_CHANGE_OPTIONS('-i, --install'),
  ],
  operands: { kind: 'text' },
};

/** Options that are fine outside query mode: they only print rpm's version or tags. */
const RPM_STANDALONE = new Set(['--version', '--querytags', '--verbose', '--quiet']);

/** Reads rpm by popt's rules, then by its mode (lib/poptQV.cc, tools/rpm.cc). */
function judgeRpm(words: readonly Word[]): Effect | undefined {
  const argv = words.map((w): Word => {
    const m = w.value === undefined ? null : /^-([a-z][a-z0-9]+)(=.*)?$/.exec(w.value);
    return m?.[1] && RPM_ALIASES.has(m[1])
      ? { ...w, text: `-${w.text}`, value: `-${w.value ?? ''}` }
      : w;
  });
  const query = readBy(RPM_QUERY, argv);
  if (!query.j.ok) return effectOf('rpm', query.j);
  // -V wins over -q (tools/rpm.cc); either makes -i --info, and rpm then ignores install flags.
  const verify = hasOption(query, '--verify');
  const read = verify || hasOption(query, '--query') ? query : readBy(RPM_OTHER, argv);
  if (!read.j.ok) return effectOf('rpm', read.j);
  const url = read.operands.find((w) => /^[a-z][a-z0-9+.-]*:\/\//i.test(w.value ?? ''));
  if (url) return { refused: `fetches ${url.text} from the network` };
  if (verify && !hasOption(read, '--noscripts'))
    return {
      refused:
        "-V runs each package's %verifyscript scriptlet; add --noscripts to verify files only",
    };
  for (const w of read.options) {
    if (!w.text.startsWith('--queryformat=') && !w.text.startsWith('--qf=')) continue;
    if (w.value === undefined) return { refused: 'is given a query format known only at run time' };
    if (/expand/i.test(w.value))
      return { refused: 'query format uses :expand, which expands macros (they can run commands)' };
  }
  const effect = effectOf('rpm', read.j);
  if (effect || read === query) return effect;
  if (read.options.length === 0 || read.options.some((w) => !RPM_STANDALONE.has(w.value ?? '')))
    return {
      refused: 'is read here only in query mode (-q), verify mode (-V) or to change packages',
    };
  return undefined;
}

const RPM: ProgramSpec = {
  name: 'rpm',
  about: 'query the RPM package database (and install, upgrade or erase packages)',
  // -i means --info after -q and --install without it; a judge reads the mode first.
  rawArgs: true,
  options: RPM_QUERY_OPTIONS,
  operands: {
    kind: 'text',
    about:
      'options and package names, read as popt does: query mode (-q) is low risk, -V only with --noscripts, install, upgrade and erase high',
    judge: judgeRpm,
  },
};

// ——— crontab ———

/** crontab's grammar (cronie, Debian cron): the action is an option, or none to install. */
const CRONTAB_GRAMMAR: ProgramSpec = {
  name: 'crontab',
  about: 'crontab',
  options: [
    { why: 'list the crontab', options: ['-l'] },
    {
      why: 'choose whose crontab (root only); a user name, not a path',
      options: ['-u NAME'],
    },
    {
      why: 'remove the crontab',
      options: ['-r'],
      effect: { risk: 'high', does: 'removes the crontab' },
    },
    { why: 'ask before removing', options: ['-i'] },
    {
      // GTFOBins crontab: -e runs $VISUAL or $EDITOR through sh.
      why: 'edit the crontab in an editor',
      options: ['-e'],
      effect: { refused: 'opens an editor, which can run commands' },
    },
  ],
  operands: { kind: 'files', max: 1 },
};

function judgeCrontab(words: readonly Word[]): Effect | undefined {
  const read = readBy(CRONTAB_GRAMMAR, words);
  const effect = effectOf('crontab', read.j);
  // Refused (-e, a bad user name), a secret, or -r: that is the judgement.
  if (effect) return effect;
  if (hasOption(read, '-l'))
    return read.operands.length > 0 ? { refused: '-l takes no file' } : undefined;
  // With no action crontab installs FILE, or standard input when given - or (cronie) nothing.
  const [file] = read.operands;
  const source = !file || file.value === '-' ? 'its standard input' : file.text;
  return {
    risk: 'high',
    does: `replaces the crontab with ${source}: cron will run the commands in it`,
  };
}

const CRONTAB: ProgramSpec = {
  name: 'crontab',
  about: 'list (or install, remove) per-user cron tables',
  // With no -l, -r or -e, crontab installs a new table, even from standard input: the judge
  // reads the whole command line to see which.
  rawArgs: true,
  options: CRONTAB_GRAMMAR.options ?? [],
  operands: {
    kind: 'text',
    about:
      '-l (optionally with -u NAME) lists and is low risk; -r removes; a FILE, -, or nothing installs a new table (high)',
    judge: judgeCrontab,
  },
};

// ——— docker ———

const CONTAINERS: Operands = { kind: 'names', about: 'container names or IDs' };
const ONE_CONTAINER: Operands = { ...CONTAINERS, about: 'a container name or ID', max: 1 };
const FORMAT = '--format=TEMPLATE';

/** `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`. */
function dockerPort(words: readonly Word[]): Effect | undefined {
  const [container, port] = words;
  const problem = container && nameProblem(container, 'a container');
  if (problem) return { refused: problem };
  if (port && !/^\d+(\/(tcp|udp|sctp))?$/.test(port.value ?? ''))
    return { refused: `${port.text} is not a port (PORT or PORT/PROTO)` };
  return undefined;
}

const DOCKER_PS: SubcommandSpec = {
  about: 'list containers',
  options: [
    {
      // Go templates in the docker CLI have no function that reads files or runs commands.
      why: 'only choose which containers are listed and how',
      options: [
        '-a, --all',
        '-f, --filter=FILTER',
        FORMAT,
        '-n, --last=N',
        '-l, --latest',
        '--no-trunc',
        '-q, --quiet',
        '-s, --size',
      ],
    },
  ],
  operands: { kind: 'none' },
};

const DOCKER_LOGS: SubcommandSpec = {
  about: 'print the logs of a container',
  options: [
    {
      why: 'only choose which log lines are printed, and whether to follow them',
      options: [
        '--details',
        '-f, --follow',
        '--since=TIME',
        '-n, --tail=N',
        '-t, --timestamps',
        '--until=TIME',
      ],
    },
  ],
  operands: ONE_CONTAINER,
};

const DOCKER_STATS: SubcommandSpec = {
  about: 'print resource usage of containers (until stopped, without --no-stream)',
  options: [
    {
      why: 'only choose which containers are shown and how',
      options: ['-a, --all', FORMAT, '--no-stream', '--no-trunc'],
    },
  ],
  operands: CONTAINERS,
};

const DOCKER_TOP: SubcommandSpec = {
  about: 'print the processes of a container',
  // What follows the container is options for ps; they are left out.
  stopAtOperand: true,
  operands: ONE_CONTAINER,
};

const DOCKER_PORT: SubcommandSpec = {
  about: 'print the port mappings of a container',
  operands: {
    kind: 'text',
    about: 'a container, then PRIVATE_PORT[/PROTO]',
    max: 2,
    judge: dockerPort,
  },
};

const DOCKER_DIFF: SubcommandSpec = {
  about: "list the files changed in a container's file system",
  operands: ONE_CONTAINER,
};

const DOCKER_INSPECT: SubcommandSpec = {
  about: 'print the low-level configuration of containers and other objects',
  options: [
    {
      why: 'only choose what is printed',
      options: ['-f, --format=TEMPLATE', '-s, --size', '--type=TYPE'],
    },
  ],
  operands: { kind: 'text', about: 'names or IDs' },
  // A container's configuration holds its environment, where credentials usually live; the
  // format cannot be judged here, so even `-f '{{.State.Status}}'` is denied.
  effect: {
    secret: "prints a container's environment (Config.Env), which usually holds credentials",
  },
};

const controls = (
  about: string,
  does: string,
  options?: readonly OptionGroup[],
): SubcommandSpec => ({
  about,
  ...(options ? { options } : {}),
  operands: CONTAINERS,
  effect: { risk: 'medium', does },
});

const STOP_OPTIONS: readonly OptionGroup[] = [
  {
    why: 'only choose the signal and how long to wait before killing',
    options: ['-s, --signal=SIGNAL', '-t, --timeout=SECONDS'],
  },
];

const DOCKER_START = controls('start containers', 'starts containers', [
  { why: "attach to the container's output until it stops", options: ['-a, --attach'] },
]);
const DOCKER_STOP = controls('stop containers', 'stops containers', STOP_OPTIONS);
const DOCKER_RESTART = controls('restart containers', 'restarts containers', STOP_OPTIONS);

const DOCKER_IMAGES: SubcommandSpec = {
  about: 'list images',
  options: [
    {
      why: 'only choose which images are listed and how',
      options: [
        '-a, --all',
        '--digests',
        '-f, --filter=FILTER',
        FORMAT,
        '--no-trunc',
        '-q, --quiet',
      ],
    },
  ],
  // A repository may hold / (registry.example.com/team/app:tag).
  operands: { kind: 'text', about: 'REPOSITORY[:TAG]', max: 1 },
};

const DOCKER_VERSION_FORMAT: readonly OptionGroup[] = [
  { why: 'only choose how it is printed', options: ['-f, --format=TEMPLATE'] },
];

const DOCKER: ProgramSpec = {
  name: 'docker',
  about: 'list and inspect containers and images; start, stop and restart containers',
  options: [
    {
      why: 'only choose how much the client logs',
      options: ['-D, --debug', '-l, --log-level=LEVEL'],
    },
    {
      why: 'talk to another daemon, or read another client configuration',
      options: [
        '-H, --host=HOST',
        '-c, --context=CONTEXT',
        '--config=DIR',
        '--tls',
        '--tlsverify',
        '--tlscacert=PATH',
        '--tlscert=PATH',
        '--tlskey=PATH',
      ],
      // Another daemon may be another host; a client config names credential helpers and plugin
      // directories, programs the CLI runs.
      effect: {
        refused:
          'reaches another Docker daemon or reads another client configuration (whose credential helpers and plugins are programs it runs)',
      },
    },
  ],
  // Everything else (run, exec, cp, rm, build, pull, compose …) is left out, so it denies;
  // GTFOBins docker: run -v /:/mnt, cp to and from a container.
  subcommands: {
    ps: DOCKER_PS,
    logs: DOCKER_LOGS,
    images: DOCKER_IMAGES,
    stats: DOCKER_STATS,
    top: DOCKER_TOP,
    port: DOCKER_PORT,
    diff: DOCKER_DIFF,
    inspect: DOCKER_INSPECT,
    version: {
      about: 'print client and daemon versions',
      options: DOCKER_VERSION_FORMAT,
      operands: { kind: 'none' },
    },
    info: {
      about: 'print system-wide information',
      // It runs every CLI plugin (docker-* in ~/.docker/cli-plugins and the system directories).
      effect: { refused: 'runs every Docker CLI plugin to list it' },
      options: DOCKER_VERSION_FORMAT,
      operands: { kind: 'none' },
    },
    start: DOCKER_START,
    stop: DOCKER_STOP,
    restart: DOCKER_RESTART,
    container: {
      about: 'the same, as docker container VERB',
      grouping: true,
      subcommands: {
        ps: { ...DOCKER_PS, aliases: ['ls', 'list'] },
        logs: DOCKER_LOGS,
        stats: DOCKER_STATS,
        top: DOCKER_TOP,
        port: DOCKER_PORT,
        diff: DOCKER_DIFF,
        inspect: DOCKER_INSPECT,
        start: DOCKER_START,
        stop: DOCKER_STOP,
        restart: DOCKER_RESTART,
      },
      operands: { kind: 'none' },
    },
    image: {
      about: 'images, as docker image VERB',
      subcommands: { ls: { ...DOCKER_IMAGES, aliases: ['list'] } },
      operands: { kind: 'none' },
    },
    system: {
      about: 'disk usage, as docker system df',
      subcommands: {
        df: {
          about: 'print disk usage of images, containers and volumes',
          options: [
            { why: 'only choose how much is printed and how', options: ['-v, --verbose', FORMAT] },
          ],
          operands: { kind: 'none' },
        },
      },
      operands: { kind: 'none' },
    },
  },
  operands: { kind: 'none' },
};

export const SPECS: readonly ProgramSpec[] = [DPKG, APT, APT_CACHE, RPM, CRONTAB, DOCKER];
