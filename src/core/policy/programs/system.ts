import type { Effect, OptionGroup, ProgramSpec, SubcommandSpec } from '../program-spec.js';
import type { ParsedOption } from '../argv-grammar.js';
import { secretFile } from '../secrets.js';
import type { Word } from '../shell-syntax.js';

/**
 * Programs that show the state of the system — processes, memory, logins, disks, mounts, the
 * kernel log and settings, sockets and network configuration — and the few that change it
 * (kill, pkill, and the setting forms of hostname, mount, dmesg, sysctl, ss and ip). Checked
 * against the `--help` and sources of procps-ng 4.0 (uptime, free, ps, top, vmstat, pgrep, pkill,
 * pidof, w, sysctl), util-linux 2.38 (last, lscpu, lsblk, findmnt, mount, dmesg), GNU coreutils
 * 9.1 (who), Debian's hostname 3.23, iproute2 6.1 (ss, ip), glibc's getent, kmod's lsmod and the
 * bash `kill` builtin, and against GTFOBins: top (a `pipe` line in its rc file runs only from the
 * interactive Inspect command, which batch mode never reads), last -f, dmesg -F and dmesg -H
 * (its pager), sysctl (`kernel.core_pattern=|cmd` and `-n /../../file`), ss -F, ip -batch and
 * ip netns exec, mount -o bind, getent shadow.
 *
 * Reverse lookups of addresses read from tables and logs (ip -resolve, ss -r, who --lookup,
 * last -d) are left out: they send every address to the DNS servers and can stall for minutes.
 */

const KILLS: Effect = { risk: 'medium', does: 'sends a signal to processes' };
const NETWORKING: Effect = { risk: 'high', does: 'changes networking' };
const high = (does: string): Effect => ({ risk: 'high', does });

const RANK = (e: Effect): number =>
  'refused' in e ? 5 : 'secret' in e ? 4 : { low: 0, medium: 1, high: 2, critical: 3 }[e.risk];

/** The weightiest of several effects: refused, then secret, then by risk; the first of equals. */
function worst(effects: readonly (Effect | undefined)[]): Effect | undefined {
  let found: Effect | undefined;
  for (const e of effects) if (e && (!found || RANK(e) > RANK(found))) found = e;
  return found;
}

const HELP_VERSION: OptionGroup = {
  why: 'only print help or the version',
  options: ['-h, --help', '-V, --version'],
};

// ---------------------------------------------------------------------------------------------
// ps
// ---------------------------------------------------------------------------------------------

/**
 * ps reads its arguments with its own parser, not getopt: BSD options without a dash (`aux`),
 * UNIX options with one (`-ef`), GNU long options with two, and trailing PIDs. It parses them as
 * UNIX options first and, if that fails, again with every dashed word read as BSD letters — so
 * `-e` may become BSD `e`. No ps option writes, runs or loads anything, whichever way a word is
 * read, so the spec takes the words raw (rawArgs) and this judge only checks that each word is
 * one ps documents: letters from the sets below, a value after a letter or long option that
 * takes one, or a PID.
 */
// -x is left out: procps rejects it as a UNIX option and re-reads every dashed word as BSD
// letters, so -e becomes BSD e (environments) — `ps -e -x`.
const PS_UNIX_FLAGS = new Set('AaFfHjLlMmNPTcdewyZV');
/** UNIX letters that take a value: the rest of the word, or the next word. */
const PS_UNIX_VALUE = new Set('CGgOopqstUu');
// BSD `e` is left out: it prints each process's environment, which can hold credentials.
const PS_BSD_FLAGS = new Set('acHfghjLlMmnrSsTuVvwXxZ');
/** BSD letters that take a value (`t` takes the next word when there is one). */
const PS_BSD_VALUE = new Set('kOopqtU');
const PS_LONG_FLAGS = new Set([
  'context',
  'cumulative',
  'deselect',
  'forest',
  'header',
  'headers',
  'heading',
  'headings',
  'no-header',
  'no-headers',
  'no-heading',
  'no-headings',
  'noheader',
  'noheaders',
  'noheading',
  'noheadings',
  'version',
]);
const PS_LONG_VALUE = new Set([
  'Group',
  'User',
  'cols',
  'columns',
  'format',
  'group',
  'help',
  'lines',
  'pid',
  'ppid',
  'quick-pid',
  'rows',
  'sid',
  'sort',
  'tty',
  'user',
  'width',
]);

/**
 * procps reads a command line it cannot parse the UNIX way again as BSD letters, so a dashed
 * `e` becomes BSD e (every process's environment). Whether the UNIX read fails can depend on
 * the host (`-u x`, a user that does not exist), so with an `e` in a dashed word only letters
 * that cannot fail together are accepted: `ps -ef`, `ps -eo pid,cmd --sort=-%cpu`, `ps -eF`.
 */
const PS_SAFE_WITH_E = /^-[efFoAadNwc]+$/;
const PS_SAFE_LONG_WITH_E =
  /^--(sort|no-headers?|cols|columns|width|lines|rows|format|forest)(=|$)/;
const PS_VALUE_BEFORE = new Set([
  '-o',
  '-O',
  '--sort',
  '--format',
  '--cols',
  '--columns',
  '--width',
  '--lines',
  '--rows',
]);

function psArguments(words: readonly Word[]): Effect | undefined {
  const texts = words.map((w) => w.value ?? w.text);
  if (texts.some((t) => /env/i.test(t)))
    return { refused: 'asks for process environments, which can hold credentials' };
  if (texts.some((t) => /^-[^-]*e/.test(t))) {
    const unsafe = texts.find(
      (t, i) =>
        t.startsWith('-') &&
        !PS_SAFE_WITH_E.test(t) &&
        !PS_SAFE_LONG_WITH_E.test(t) &&
        !PS_VALUE_BEFORE.has(texts[i - 1] ?? ''),
    );
    if (unsafe)
      return {
        refused: `${unsafe} with -e could make ps re-read the words as BSD letters, e among them (environments); use ps -ef, ps -eo …, or ps aux`,
      };
  }
  // -H with -T is another combination procps rejects and re-reads as BSD letters.
  const dashed = words.flatMap((w) =>
    w.value?.startsWith('-') && !w.value.startsWith('--') ? [w.value] : [],
  );
  if (dashed.some((w) => w.includes('H')) && dashed.some((w) => w.includes('T')))
    return { refused: 'ps re-reads -H with -T as BSD letters, e among them (environments)' };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word) break;
    const v = word.value;
    if (v === undefined || word.glob)
      return { refused: `is given ${word.text}, known only at run time, where it reads options` };
    // Trailing PIDs (`ps 1234`), process groups (`-1234`) and sessions (`+1234`) end the list.
    if (/^[-+]?\d+$/.test(v)) {
      const rest = words.slice(i);
      if (rest.every((w) => w.value !== undefined && /^[-+]?\d+$/.test(w.value))) return undefined;
      return { refused: 'reads every word after a PID as another PID' };
    }
    let needsValue = false;
    let optionalValue = false;
    if (v.startsWith('--')) {
      const name = /^--([^=:]*)/.exec(v)?.[1] ?? '';
      const attached = v.length > name.length + 2;
      if (PS_LONG_VALUE.has(name)) {
        needsValue = !attached;
        optionalValue = name === 'help';
      } else if (!PS_LONG_FLAGS.has(name) || attached)
        return { refused: `has no option --${name} that the policy knows` };
    } else {
      const unix = v.startsWith('-');
      const letters = unix ? v.slice(1) : v;
      if (letters === '') return { refused: `cannot read ${v}` };
      for (let k = 0; k < letters.length; k++) {
        const c = letters.charAt(k);
        if (!unix && /\d/.test(c)) break; // BSD: a PID list ends the word
        const takes = unix ? PS_UNIX_VALUE : PS_BSD_VALUE;
        if (takes.has(c)) {
          // ps reads a word it cannot parse the UNIX way again as BSD letters (`-auxe`).
          if (unix && /e/.test(letters.slice(k + 1)))
            return { refused: `${v} could be read as BSD letters, e among them (environments)` };
          needsValue = k === letters.length - 1;
          optionalValue = !unix && c === 't';
          break;
        }
        if (!(unix ? PS_UNIX_FLAGS : PS_BSD_FLAGS).has(c))
          return { refused: `has no option ${unix ? '-' : ''}${c} that the policy knows` };
      }
    }
    if (needsValue) {
      const value = words[i + 1];
      if (!value) {
        if (optionalValue) continue;
        return { refused: `${v} needs a value` };
      }
      if (value.glob) return { refused: `is given a pattern (${value.text}) as the value of ${v}` };
      if (/env/i.test(value.text))
        return {
          refused: `${value.text} asks for process environments, which can hold credentials`,
        };
      i++; // a list, a format or a name: a value may be known only at run time (ps -p "$pid")
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// kill
// ---------------------------------------------------------------------------------------------

const SIGNAL = /^[A-Za-z0-9][A-Za-z0-9+-]*$/;

/** What a PID operand of kill selects. */
function killTarget(word: Word): Effect {
  const v = word.value;
  if (word.glob) return { refused: `is given a pattern (${word.text}) where a PID belongs` };
  if (v === undefined)
    return high(`signals ${word.text}, a PID known only at run time (it could be 1 or -1)`);
  if (/^%/.test(v)) return KILLS;
  if (!/^-?\d+$/.test(v)) return { refused: `${v} is not a process or job ID` };
  const n = Number(v);
  if (n === -1) return high('signals every process (PID -1)');
  if (n === 1) return high('signals init (PID 1)');
  if (n < -1) return { risk: 'medium', does: 'sends a signal to a process group' };
  return KILLS;
}

/**
 * kill as the bash builtin and procps `kill` read it: `-l`/`-L`/`--list`/`--table` list signals;
 * `-s SIG`, `-n NUM`, `--signal SIG` or one `-SIG` choose the signal; `--` ends the options; every
 * later word is a PID (`-N` a process group) or a `%job`. Sending signal 0 only tests that the
 * process exists. PID 1 and -1 (every process) are high; a PID known only at run time could be
 * either. procps kill permutes options like getopt, bash does not, so an option-like word among
 * the PIDs is refused rather than guessed.
 */
function killArguments(words: readonly Word[]): Effect | undefined {
  let signal: string | undefined;
  let sawSignal = false;
  let i = 0;
  for (; i < words.length; i++) {
    const v = words[i]?.value;
    if (v === undefined) break;
    if (v === '-l' || v === '-L' || v === '--table' || v === '--help' || /^--list(=|$)/.test(v))
      return undefined;
    if (v === '-s' || v === '-n' || v === '--signal') {
      const value = words[i + 1];
      if (!value) return { refused: `${v} needs a signal` };
      if (value.value !== undefined && !SIGNAL.test(value.value))
        return { refused: `${value.value} is not a signal` };
      signal = value.value;
      sawSignal = true;
      i++;
      continue;
    }
    if (v.startsWith('--signal=')) {
      signal = v.slice('--signal='.length);
      sawSignal = true;
      continue;
    }
    if (v === '--') {
      i++;
      break;
    }
    if (v.startsWith('-') && !sawSignal) {
      if (!SIGNAL.test(v.slice(1))) return { refused: `${v} is not a signal` };
      signal = v.slice(1);
      sawSignal = true;
      continue;
    }
    break;
  }
  const targets = words.slice(i);
  if (targets.length === 0) {
    // bash reads a lone `kill -1` as signal 1 with no PID; other kills read -1 as every process.
    if (signal === '1' && words.length === 1) return high('signals every process (kill -1)');
    return { refused: 'is given no process ID' };
  }
  const effect = worst(targets.map(killTarget));
  if (effect && 'refused' in effect) return effect;
  if (signal === '0' || signal?.toUpperCase() === 'SIG0') return undefined; // only tests that the processes exist
  return effect;
}

// ---------------------------------------------------------------------------------------------
// pgrep, pkill
// ---------------------------------------------------------------------------------------------

/**
 * The selection options pgrep and pkill share. pkill takes the first word anywhere of the form
 * `-SIGNAL` as the signal and removes it before getopt reads the rest, so for pkill a value that
 * begins with a dash would shift what follows (`pkill -u -9 nginx` is `pkill -u nginx`, every
 * process of the user nginx): there the values are NAME (no /, .., or leading dash), so
 * `pkill -t pts/0` denies (`pkill -t tty1` does not; or select by -s SID or -P PPID).
 */
const processSelection = (value: 'NAME' | 'LIST'): readonly OptionGroup[] => [
  {
    why: 'only choose how the pattern matches and which of the matches are taken',
    options: [
      '-f, --full',
      '-i, --ignore-case',
      '-x, --exact',
      '-n, --newest',
      '-o, --oldest',
      '-c, --count',
      '-A, --ignore-ancestors',
    ],
  },
  {
    why: 'only narrow the processes chosen (by group, parent, session, terminal, user, age, state, cgroup or namespace)',
    options: [
      `-g, --pgroup=${value}`,
      `-G, --group=${value}`,
      `-P, --parent=${value}`,
      `-s, --session=${value}`,
      `-t, --terminal=${value}`,
      `-u, --euid=${value}`,
      `-U, --uid=${value}`,
      `-O, --older=${value}`,
      `-r, --runstates=${value}`,
      `--cgroup=${value}`,
      `--ns=${value}`,
      `--nslist=${value}`,
    ],
  },
  {
    why: 'read the PID to match from a file (its contents are checked like any read)',
    options: ['-F, --pidfile=FILE', '-L, --logpidfile'],
  },
];

/**
 * What pkill's pattern selects. No pattern means every process the selection options choose
 * (`pkill -u www-data`), a word starting with - would be taken as the signal, and an extended
 * regular expression beyond plain text (`.`, `.*`, `^`, `a|b`, `[a-z]`) may match every process:
 * those are high. Plain text with `.` wildcards, anchored or not, is an ordinary kill.
 */
/**
 * Daemons whose death changes what operators need approval for (the firewall flushed, logins
 * locked out, logging or auditing off); their services are guarded under systemctl too.
 */
const GUARDED_PROCESSES = [
  'sshd',
  'systemd-journald',
  'systemd-journal',
  'systemd-logind',
  'systemd-udevd',
  'systemd-networkd',
  'systemd-resolved',
  'firewalld',
  'fail2ban-server',
  'auditd',
  'rsyslogd',
  'dbus-daemon',
  'dbus-broker',
  'polkitd',
  'keepalived',
  'multipathd',
  'NetworkManager',
  'wpa_supplicant',
  'chronyd',
  'ntpd',
  'sssd',
  'dockerd',
  'containerd',
  'tini',
];

/** What PID 1 is called: the service manager, which reboots or powers off on some signals. */
const PID1_NAMES = [
  'systemd',
  'init',
  '/sbin/init',
  '/lib/systemd/systemd',
  '/usr/lib/systemd/systemd',
];

function pkillPattern(
  words: readonly Word[],
  options: readonly ParsedOption[],
): Effect | undefined {
  if (options.some((o) => o.name === 'full'))
    return high('matches whole command lines (-f), which PID 1 can match');
  if (options.some((o) => o.name === 'oldest'))
    return high('signals the oldest matching process, which can be PID 1 (-o)');
  const [pattern] = words;
  if (!pattern) return high('signals every process the options select (no pattern is given)');
  const v = pattern.value;
  if (v === undefined || pattern.glob)
    return high(`signals the processes matching ${pattern.text}, known only at run time`);
  if (v.startsWith('-'))
    return high(`signals every process the options select (pkill reads ${v} as the signal)`);
  const caseless = options.some((o) => o.name === 'ignore-case');
  if (PID1_NAMES.some((name) => matchesExtended(v, name, caseless)))
    return high(`signals the processes matching ${v}, PID 1 (the service manager) among them`);
  const guarded = GUARDED_PROCESSES.find((name) => matchesExtended(v, name, caseless));
  if (guarded)
    return high(
      `signals ${guarded}, whose death flushes the firewall, locks logins or stops logging`,
    );
  const body = v.replace(/^\^/, '').replace(/\$$/, '');
  if (/[^\w .:/@%=,-]/.test(body))
    return high(`signals the processes matching the regular expression ${v}, which may be all`);
  if (body.replace(/\./g, '').length < 2)
    return high(`signals the processes matching ${JSON.stringify(v)}, which is nearly every one`);
  return KILLS;
}

/** Whether an extended regular expression matches `text`; one JavaScript cannot read matches. */
function matchesExtended(pattern: string, text: string, caseless: boolean): boolean {
  try {
    return new RegExp(pattern, caseless ? 'i' : '').test(text);
  } catch {
    return true;
  }
}

/**
 * A tag (LABEL=, UUID=, PARTUUID=, PARTLABEL=) or -e makes libblkid probe every disk and write
 * its cache (/run/blkid/blkid.tab) as root.
 */
function findmntTags(words: readonly Word[], options: readonly ParsedOption[]): Effect | undefined {
  const values = [
    ...words,
    ...options.flatMap((o) => (o.name === 'source' && o.value ? [o.value] : [])),
  ];
  const tag = values.find((w) => w.value === undefined || /^(PART)?(LABEL|UUID)=/.test(w.value));
  // Tag columns make libmount scan the disks for entries udev cannot resolve.
  const column = options.find(
    (o) => o.name === 'output' && /(LABEL|UUID)/i.test(o.value?.value ?? '$'),
  );
  if (column)
    return {
      refused: `shows ${column.value?.text ?? ''}: libblkid may scan the disks and write its cache as root`,
    };
  return tag
    ? {
        refused: `resolves ${tag.text} through libblkid, which writes its cache as root; name the device`,
      }
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// sysctl, getent
// ---------------------------------------------------------------------------------------------

/** Settings that make the kernel run a program as root (a core dump pipe, module loading). */
const RUNS_PROGRAM_SETTINGS = new Set([
  'kernel.core_pattern',
  'kernel.modprobe',
  'kernel.hotplug',
  'kernel.poweroff_cmd',
]);

/**
 * `sysctl NAME` reads /proc/sys/NAME (dots or slashes); `NAME=VALUE` writes it, as -w does;
 * with -p the operands are files to load. A name with `..` would read outside /proc/sys (older
 * procps), and a secret path is one whatever -p says.
 */
function sysctlOperands(
  words: readonly Word[],
  options: readonly ParsedOption[],
): Effect | undefined {
  // With -p (or -f) the operands are files to load, not setting names.
  const files = options.some((o) => o.name === 'load' || o.name === 'f');
  return worst(
    words.map((word): Effect | undefined => {
      const v = word.value;
      if (v === undefined || word.glob)
        return { refused: `is given ${word.text}, a setting known only at run time` };
      const eq = v.indexOf('=');
      const name = eq === -1 ? v : v.slice(0, eq);
      // sysctl swaps . and / when the first separator is a dot: `kernel.//.//.etc` climbs out.
      if (
        name.includes('..') ||
        name.startsWith('-') ||
        (!files && !/^[\w-]+([./][\w-]+)*$/.test(name))
      )
        return {
          refused: `${name} is not a setting name: words of letters, digits, _ and - joined by single dots or slashes`,
        };
      const secret = secretFile(word);
      if (secret) return { secret: `reads a file: ${secret}` };
      if (eq === -1) return undefined;
      if (RUNS_PROGRAM_SETTINGS.has(name.replace(/\//g, '.')))
        return { refused: `setting ${name} makes the kernel run a program as root` };
      return high(`changes the kernel setting ${name}`);
    }),
  );
}

const GETENT_DATABASES = new Set([
  'ahosts',
  'ahostsv4',
  'ahostsv6',
  'aliases',
  'ethers',
  'group',
  'hosts',
  'initgroups',
  'netgroup',
  'networks',
  'passwd',
  'protocols',
  'rpc',
  'services',
]);

/** An address ss reads without a lookup: `*`, IPv4, IPv6 (bracketed or not), a prefix, a port. */
const SS_ADDRESS = /^(\*|[0-9.]+|\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\]?)(\/\d+)?(:(\d+|\*))?$/;

/** ss looks a host name after src/dst up in DNS: data sent off the host. */
/** Words of an ss filter that are not addresses: states, keywords, operators. */
const SS_KEYWORDS = new Set(
  (
    'state exclude src dst sport dport dev fwmark cgroup autobound and or not && || ! ( ) = == != eq neq ne ' +
    '> < >= <= ge le gt lt established syn-sent syn-recv fin-wait-1 fin-wait-2 time-wait closed ' +
    'close-wait last-ack listening closing all connected synchronized bucket big'
  ).split(' '),
);
/** Keywords whose value is a port, an interface, a mark or a cgroup, not an address. */
const SS_VALUE_KEYWORDS = new Set(['sport', 'dport', 'dev', 'fwmark', 'cgroup']);

/**
 * ss looks a host name up in DNS wherever its filter takes an address (after src/dst, or
 * bare): data sent off the host. Every word that is not a keyword or a keyword's value must be
 * an address written as a number, and none may be known only at run time.
 */
function ssFilter(words: readonly Word[]): Effect | undefined {
  if (words.some((w) => w.value === undefined))
    return { refused: 'is given a filter known only at run time, whose host names go to DNS' };
  const tokens = words
    .flatMap((w) => (w.value ?? '').replace(/[()]/g, ' $& ').split(/\s+/))
    .filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if (SS_KEYWORDS.has(token)) {
      if (SS_VALUE_KEYWORDS.has(token)) {
        let j = i + 1;
        while (
          [
            '=',
            '==',
            '!=',
            'eq',
            'neq',
            'ne',
            '>',
            '<',
            '>=',
            '<=',
            'ge',
            'le',
            'gt',
            'lt',
          ].includes(tokens[j] ?? '')
        )
          j++;
        i = j;
      }
      continue;
    }
    if (!SS_ADDRESS.test(token))
      return {
        refused: `looks ${token} up in DNS, which sends it off the host; write the address as a number`,
      };
  }
  return undefined;
}

const DNS_DATABASES = new Set(['ahosts', 'ahostsv4', 'ahostsv6', 'hosts', 'networks']);

function getentOperands(words: readonly Word[]): Effect | undefined {
  const [database] = words;
  if (!database) return undefined;
  const v = database.value;
  if (v === 'shadow' || v === 'gshadow') return { secret: `${v} holds password hashes` };
  if (v === undefined || !GETENT_DATABASES.has(v))
    return { refused: `${database.text} is not a database the policy knows` };
  // A key the host looks up in DNS is data sent out (`getent hosts <data>.example`).
  if (DNS_DATABASES.has(v) && words.length > 1)
    return {
      refused: `looks ${v} keys up in DNS, which sends them off the host; run it with no key to list /etc/hosts`,
    };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// ip
// ---------------------------------------------------------------------------------------------

/** A show verb: the rest are selectors (`dev eth0`, `table all`, `scope global`). */
const IP_SHOW: SubcommandSpec = {
  about: 'show',
  operands: { kind: 'text', about: 'selectors such as dev NAME' },
};
const IP_HELP: SubcommandSpec = { about: 'print usage', operands: { kind: 'text' } };
const IP_CHANGE: SubcommandSpec = {
  about: 'change networking',
  effect: NETWORKING,
  operands: { kind: 'text' },
};
const IP_RESTORE: SubcommandSpec = {
  about: 'load a dump read from its input',
  effect: { risk: 'high', does: 'changes networking from a dump on its input' },
  operands: { kind: 'text' },
};

/**
 * An ip object with its verbs. ip matches a verb as the first in its own order that the word
 * begins (`ip a a` is `address add`, `ip l s` is `link set`), so each table is declared in the
 * order of its do_ip*() in iproute2; verbs left out (save, showdump: binary dumps) deny.
 */
const ipObject = (
  about: string,
  defaultSubcommand: string,
  subcommands: Readonly<Record<string, SubcommandSpec>>,
): SubcommandSpec => ({
  about,
  operands: { kind: 'none' },
  match: 'first-prefix',
  defaultSubcommand,
  subcommands,
});

const IP_ADDRESS = ipObject('addresses of interfaces', 'show', {
  add: IP_CHANGE,
  change: { ...IP_CHANGE, aliases: ['chg'] },
  replace: IP_CHANGE,
  delete: IP_CHANGE,
  list: IP_SHOW,
  show: IP_SHOW,
  lst: IP_SHOW,
  flush: IP_CHANGE,
  restore: IP_RESTORE,
  help: IP_HELP,
});

const IP_MADDRESS = ipObject('multicast addresses', 'show', {
  add: IP_CHANGE,
  delete: IP_CHANGE,
  list: IP_SHOW,
  show: IP_SHOW,
  lst: IP_SHOW,
  help: IP_HELP,
});

const IP_ROUTE = ipObject('routing tables', 'show', {
  add: IP_CHANGE,
  change: { ...IP_CHANGE, aliases: ['chg'] },
  replace: IP_CHANGE,
  prepend: IP_CHANGE,
  append: IP_CHANGE,
  test: IP_CHANGE,
  delete: IP_CHANGE,
  list: IP_SHOW,
  show: IP_SHOW,
  lst: IP_SHOW,
  get: { about: 'look up the route to an address', operands: { kind: 'text' } },
  flush: IP_CHANGE,
  restore: IP_RESTORE,
  help: IP_HELP,
});

const IP_RULE = ipObject('routing policy rules', 'show', {
  list: IP_SHOW,
  lst: IP_SHOW,
  show: IP_SHOW,
  restore: IP_RESTORE,
  add: IP_CHANGE,
  delete: IP_CHANGE,
  flush: IP_CHANGE,
  help: IP_HELP,
});

const IP_NEIGHBOUR = ipObject('the neighbour (ARP/NDP) table', 'show', {
  add: IP_CHANGE,
  change: { ...IP_CHANGE, aliases: ['chg'] },
  replace: IP_CHANGE,
  delete: IP_CHANGE,
  get: { about: 'look up one neighbour entry', operands: { kind: 'text' } },
  show: IP_SHOW,
  lst: IP_SHOW,
  list: IP_SHOW,
  flush: IP_CHANGE,
  help: IP_HELP,
});

const IP_LINK = ipObject('network interfaces', 'show', {
  add: IP_CHANGE,
  set: IP_CHANGE,
  change: IP_CHANGE,
  replace: IP_CHANGE,
  delete: IP_CHANGE,
  show: IP_SHOW,
  lst: IP_SHOW,
  list: IP_SHOW,
  xstats: { about: 'show extended statistics', operands: { kind: 'text' } },
  afstats: { about: 'show address-family statistics', operands: { kind: 'text' } },
  property: IP_CHANGE,
  help: IP_HELP,
});

// ---------------------------------------------------------------------------------------------
// The specs
// ---------------------------------------------------------------------------------------------

const DIGITS = ['-0', '-1', '-2', '-3', '-4', '-5', '-6', '-7', '-8', '-9'];

export const SPECS: readonly ProgramSpec[] = [
  {
    name: 'uptime',
    about: 'how long the system has been up, users and load averages',
    options: [
      { why: 'only choose the format', options: ['-p, --pretty', '-s, --since'] },
      HELP_VERSION,
    ],
    operands: { kind: 'none' },
  },
  {
    name: 'free',
    about: 'memory and swap usage',
    options: [
      {
        why: 'only choose units and layout',
        options: [
          '-b, --bytes',
          '--kilo',
          '--mega',
          '--giga',
          '--tera',
          '--peta',
          '-k, --kibi',
          '-m, --mebi',
          '-g, --gibi',
          '--tebi',
          '--pebi',
          '-h, --human',
          '--si',
          '-l, --lohi',
          '-t, --total',
          '-v, --committed',
          '-w, --wide',
        ],
      },
      { why: 'repeat the report', options: ['-s, --seconds=N', '-c, --count=N'] },
      { why: 'only print help or the version', options: ['--help', '-V, --version'] },
    ],
    operands: { kind: 'none' },
  },
  {
    name: 'ps',
    about: 'list processes (BSD `ps aux`, UNIX `ps -ef`, `ps -eo pid,cmd --sort=-%cpu`)',
    // ps has its own parser (see psArguments); each word is checked against its letters and
    // long options. None of its options writes, runs or loads anything. BSD `e` (each
    // process's environment, as /proc/PID/environ) is left out.
    rawArgs: true,
    operands: {
      kind: 'text',
      about: 'BSD letters, -UNIX letters, --long options, PIDs',
      judge: psArguments,
    },
  },
  {
    name: 'top',
    about: 'process and load snapshot (`top -b -n 1`)',
    // Without -b top needs a terminal and exits at once (commands run without one). Interactive
    // commands — kill, renice, writing ~/.toprc, and the Inspect `pipe` entries an rc file may
    // hold — are read from the keyboard, which batch mode never reads.
    options: [
      {
        why: 'batch mode: print snapshots, read no keys',
        options: ['-b, --batch-mode', '-n, --iterations=NUMBER', '-d, --delay=SECS'],
      },
      {
        why: 'only choose what is shown and how',
        options: [
          '-c, --cmdline-toggle',
          '-E, --scale-summary-mem=SCALE',
          '-e, --scale-task-mem=SCALE',
          '-H, --threads-show',
          '-i, --idle-toggle',
          '-O, --list-fields',
          '-o, --sort-override=FIELD',
          '-p, --pid=PIDLIST',
          '-S, --accum-time-toggle',
          '-s, --secure-mode',
          '-U, --filter-any-user=USER',
          '-u, --filter-only-euser=USER',
          '-w, --width[=COLUMNS]',
          '-1, --single-cpu-toggle',
        ],
      },
      HELP_VERSION,
    ],
    operands: { kind: 'none' },
  },
  {
    name: 'vmstat',
    about: 'virtual memory, CPU and disk statistics',
    options: [
      {
        why: 'only choose which statistics are shown and how',
        options: [
          '-a, --active',
          '-f, --forks',
          '-m, --slabs',
          '-n, --one-header',
          '-s, --stats',
          '-d, --disk',
          '-D, --disk-sum',
          '-p, --partition=DEV',
          '-S, --unit=CHAR',
          '-w, --wide',
          '-t, --timestamp',
          '-y, --no-first',
        ],
      },
      HELP_VERSION,
    ],
    operands: { kind: 'text', about: '[DELAY [COUNT]]', max: 2 },
  },
  {
    name: 'pgrep',
    about: 'find processes by name and attributes',
    options: [
      ...processSelection('LIST'),
      {
        why: 'only choose what is printed',
        options: [
          '-d, --delimiter=TEXT',
          '-l, --list-name',
          '-a, --list-full',
          '-v, --inverse',
          '-w, --lightweight',
        ],
      },
      HELP_VERSION,
    ],
    operands: { kind: 'text', about: 'an extended regular expression', max: 1 },
  },
  {
    name: 'pidof',
    about: 'PIDs of running programs',
    // sysvinit-utils' pidof (Debian) and procps' share these; -d is sysvinit's separator, -S
    // procps'. All short options: sysvinit's pidof has no long ones.
    options: [
      {
        why: 'only choose which processes are listed and how',
        options: ['-s', '-c', '-n', '-q', '-x', '-z', '-w', '-t', '-o PID', '-d SEP', '-S SEP'],
      },
    ],
    operands: { kind: 'text', about: 'program names' },
  },
  {
    name: 'kill',
    about: 'send a signal to processes (bash builtin; procps kill reads the same forms)',
    // `-9`, `-KILL` and `-SIGKILL` are not getopt options, so the words are read raw by
    // killArguments: list signals (low), signal 0 (low: a test), PIDs (medium), 1 or -1 (high).
    rawArgs: true,
    operands: {
      kind: 'text',
      about: '[-s SIG | -SIG] PID… | -l [SIG]',
      judge: killArguments,
    },
  },
  {
    name: 'pkill',
    about: 'send a signal to processes chosen by name and attributes',
    options: [
      {
        // `-9` is read as the digit options -9; `-15` as -1 -5: either way a signal. Signal
        // names (`-HUP`) clash with the letter options, so they are written --signal=HUP.
        why: 'choose the signal (--signal=NAME, or -NUM)',
        options: ['--signal=NAME', ...DIGITS, '-q, --queue=NAME'],
      },
      { why: 'only print what is signalled', options: ['-e, --echo'] },
      ...processSelection('NAME'),
      {
        why: 'signals every process the pattern does NOT match',
        options: ['-v, --inverse'],
        effect: high('signals every process that does not match the pattern'),
      },
    ],
    operands: {
      kind: 'text',
      about: 'an extended regular expression naming the processes',
      max: 1,
      judge: pkillPattern,
    },
  },
  {
    name: 'w',
    about: 'who is logged in and what they run',
    options: [
      {
        why: 'only choose the columns',
        options: [
          '-h, --no-header',
          '-u, --no-current',
          '-s, --short',
          '-f, --from',
          '-o, --old-style',
          '-i, --ip-addr',
        ],
      },
      { why: 'only print help or the version', options: ['--help', '-V, --version'] },
    ],
    operands: { kind: 'names', about: 'a user', max: 1 },
  },
  {
    name: 'who',
    about: 'who is logged in (from utmp, or a given utmp/wtmp file)',
    options: [
      {
        why: 'only choose which records and columns are shown',
        options: [
          '-a, --all',
          '-b, --boot',
          '-d, --dead',
          '-H, --heading',
          '--ips',
          '-l, --login',
          '-m',
          '-p, --process',
          '-q, --count',
          '-r, --runlevel',
          '-s, --short',
          '-t, --time',
          '-T, --mesg',
          '-w',
          '--message',
          '--writable',
          '-u, --users',
        ],
      },
      { why: 'only print help or the version', options: ['--help', '--version'] },
    ],
    operands: { kind: 'files', about: '[FILE | am i]', max: 2 },
  },
  {
    name: 'last',
    about: 'past logins and reboots (from wtmp, or the file -f names)',
    options: [
      {
        why: 'only choose which entries and columns are shown',
        options: [
          '-a, --hostlast',
          '-F, --fulltimes',
          '-i, --ip',
          '-n, --limit=NUMBER',
          '-R, --nohostname',
          '-s, --since=TIME',
          '-t, --until=TIME',
          '-p, --present=TIME',
          '-w, --fullnames',
          '-x, --system',
          '--time-format=FORMAT',
        ],
      },
      // last reads `-10` as -1 -0, and takes the digits as the number of lines to show.
      { why: 'how many lines to show (-NUMBER)', options: DIGITS },
      {
        why: 'read another login database (its contents are checked like any read)',
        options: ['-f, --file=FILE'],
      },
      HELP_VERSION,
    ],
    operands: { kind: 'text', about: 'users and terminals' },
  },
  {
    name: 'hostname',
    about: 'show the host name (an operand, -F or -b sets it)',
    options: [
      {
        why: 'only choose which name or addresses are shown',
        options: [
          '-a, --alias',
          '-A, --all-fqdns',
          '-d, --domain',
          '-f, --fqdn',
          '--long',
          '-i, --ip-address',
          '-I, --all-ip-addresses',
          '-s, --short',
          '-y, --yp',
          '--nis',
        ],
      },
      {
        why: 'set the host name (from a file, or localhost when none is set)',
        options: ['-F, --file=FILE', '-b, --boot'],
        effect: high('sets the host name'),
      },
      HELP_VERSION,
    ],
    operands: {
      kind: 'text',
      about: 'a new host name',
      max: 1,
      judge: (words) => (words.length > 0 ? high('sets the host name') : undefined),
    },
  },
  {
    name: 'lscpu',
    about: 'CPU architecture',
    // --sysroot (read the tables under another directory) is left out.
    options: [
      {
        why: 'only choose which CPUs and columns are shown and how',
        options: [
          '-a, --all',
          '-b, --online',
          '-B, --bytes',
          '-C, --caches[=LIST]',
          '-c, --offline',
          '-J, --json',
          '-e, --extended[=LIST]',
          '-p, --parse[=LIST]',
          '-x, --hex',
          '-y, --physical',
          '--output-all',
        ],
      },
      HELP_VERSION,
    ],
    operands: { kind: 'none' },
  },
  {
    name: 'lsblk',
    about: 'block devices, partitions and filesystems',
    // --sysroot is left out.
    options: [
      {
        why: 'only choose which devices and columns are shown and how',
        options: [
          '-A, --noempty',
          '-D, --discard',
          '-E, --dedup=COLUMN',
          '-I, --include=LIST',
          '-J, --json',
          '-M, --merge',
          '-O, --output-all',
          '-P, --pairs',
          '-S, --scsi',
          '-T, --tree[=COLUMN]',
          '-a, --all',
          '-b, --bytes',
          '-d, --nodeps',
          '-e, --exclude=LIST',
          '-f, --fs',
          '-i, --ascii',
          '-l, --list',
          '-m, --perms',
          '-n, --noheadings',
          '-o, --output=LIST',
          '-p, --paths',
          '-r, --raw',
          '-s, --inverse',
          '-t, --topology',
          '-w, --width=NUM',
          '-x, --sort=COLUMN',
          '-y, --shell',
          '-z, --zoned',
        ],
      },
      HELP_VERSION,
    ],
    operands: { kind: 'paths', about: 'devices' },
  },
  {
    name: 'findmnt',
    about: 'find mounted filesystems (or those in fstab)',
    options: [
      {
        why: 'only choose which table is searched and which filesystems are shown',
        options: [
          '-s, --fstab',
          '-m, --mtab',
          '-k, --kernel',
          '-A, --all',
          '-C, --nocanonicalize',
          '-c, --canonicalize',
          '-d, --direction=WORD',
          '-f, --first-only',
          '-i, --invert',
          '-N, --task=TID',
          '-O, --options=LIST',
          '--pseudo',
          '--shadowed',
          '-R, --submounts',
          '--real',
          '-S, --source=STRING',
          '-T, --target=PATH',
          '-M, --mountpoint=DIR',
          '-t, --types=LIST',
          '-U, --uniq',
          '--verbose',
        ],
      },
      {
        why: 'only choose the output format',
        options: [
          '-a, --ascii',
          '-b, --bytes',
          '-D, --df',
          '-J, --json',
          '-l, --list',
          '-n, --noheadings',
          '-o, --output=LIST',
          '--output-all',
          '-P, --pairs',
          '-r, --raw',
          '--tree',
          '-u, --notruncate',
          '-v, --nofsroot',
          '-y, --shell',
          '--vfs-all',
        ],
      },
      { why: 'wait for mount changes', options: ['-p, --poll[=LIST]', '-w, --timeout=NUM'] },
      {
        why: 'read another mount table (its contents are checked like any read)',
        options: ['-F, --tab-file=FILE'],
      },
      HELP_VERSION,
    ],
    operands: {
      kind: 'paths',
      about: 'a device or mount point (not a LABEL=, UUID= … tag)',
      max: 2,
      judge: findmntTags,
    },
  },
  {
    name: 'mount',
    about: 'list mounted filesystems (anything that mounts is high)',
    options: [
      {
        why: 'only choose which mounts are listed',
        options: ['-l, --show-labels', '-t, --types=LIST'],
      },
      {
        why: 'mount, remount, move or re-propagate filesystems',
        effect: high('mounts filesystems'),
        options: [
          '-a, --all',
          '-B, --bind',
          '-M, --move',
          '-R, --rbind',
          '-o, --options=LIST',
          '-O, --test-opts=LIST',
          '-r, --read-only',
          '-w, --rw',
          '--read-write',
          '-L, --label=LABEL',
          '-U, --uuid=UUID',
          '--source=SRC',
          '--target=TARGET',
          '-T, --fstab=FILE',
          '-m, --mkdir[=MODE]',
          '-f, --fake',
          '-F, --fork',
          '-n, --no-mtab',
          '-c, --no-canonicalize',
          '-i, --internal-only',
          '-v, --verbose',
          '--options-mode=MODE',
          '--options-source=SOURCE',
          '--options-source-force',
          '--make-shared',
          '--make-slave',
          '--make-private',
          '--make-unbindable',
          '--make-rshared',
          '--make-rslave',
          '--make-rprivate',
          '--make-runbindable',
        ],
      },
      HELP_VERSION,
    ],
    // -N (another namespace) and --target-prefix are left out.
    operands: {
      kind: 'paths',
      about: 'a source and/or mount point (mounts)',
      judge: (words) => (words.length > 0 ? high('mounts a filesystem') : undefined),
    },
  },
  {
    name: 'dmesg',
    about: 'the kernel ring buffer',
    options: [
      {
        why: 'only choose which messages are shown and how',
        options: [
          '-f, --facility=LIST',
          '-J, --json',
          '-k, --kernel',
          '-L, --color[=WHEN]',
          '-l, --level=LIST',
          '-P, --nopager',
          '-p, --force-prefix',
          '-r, --raw',
          '--noescape',
          '-S, --syslog',
          '-s, --buffer-size=SIZE',
          '-u, --userspace',
          '-x, --decode',
          '-d, --show-delta',
          '-e, --reltime',
          '-T, --ctime',
          '-t, --notime',
          '--time-format=FORMAT',
          '--since=TIME',
          '--until=TIME',
        ],
      },
      { why: 'wait for new messages', options: ['-w, --follow', '-W, --follow-new'] },
      {
        why: 'read a saved log instead (its contents are checked like any read)',
        options: ['-F, --file=FILE'],
      },
      {
        why: '-H pipes its output into a pager (less), from which a shell can be started',
        options: ['-H, --human'],
        effect: { refused: 'starts a pager, which can run a shell (use -T or -e)' },
      },
      {
        why: 'clear the kernel ring buffer',
        options: ['-C, --clear', '-c, --read-clear'],
        effect: high('clears the kernel ring buffer'),
      },
      {
        why: 'change which messages reach the console',
        options: ['-D, --console-off', '-E, --console-on', '-n, --console-level=LEVEL'],
        effect: high('changes console logging'),
      },
      HELP_VERSION,
    ],
    operands: { kind: 'none' },
  },
  {
    name: 'sysctl',
    about: 'kernel settings (NAME reads; NAME=VALUE, -w, -p and --system write)',
    options: [
      {
        why: 'only choose which settings are shown and how',
        options: [
          '-a, --all',
          '-A',
          '-X',
          '--deprecated',
          '-b, --binary',
          '-e, --ignore',
          '-N, --names',
          '-n, --values',
          '-r, --pattern=EXPRESSION',
          '-q, --quiet',
          '-o',
          '-x',
        ],
      },
      {
        why: 'write settings (named, or every one in a file or the system directories)',
        options: ['-w, --write', '-p, --load[=FILE]', '-f', '--system'],
        effect: high('changes kernel settings'),
      },
      { why: 'only print help or the version', options: ['-h, --help', '-d', '-V, --version'] },
    ],
    operands: {
      kind: 'text',
      about: 'setting names (net.ipv4.ip_forward or net/ipv4/ip_forward), NAME=VALUE',
      judge: sysctlOperands,
    },
  },
  {
    name: 'ss',
    about: 'sockets and their connections',
    options: [
      {
        why: 'only choose which sockets are shown',
        options: [
          '-a, --all',
          '-l, --listening',
          '-4, --ipv4',
          '-6, --ipv6',
          '-0, --packet',
          '-t, --tcp',
          '-M, --mptcp',
          '-S, --sctp',
          '-u, --udp',
          '-d, --dccp',
          '-w, --raw',
          '-x, --unix',
          '--tipc',
          '--vsock',
          '--xdp',
          '-f, --family=FAMILY',
          '-A, --query=QUERY',
          '--socket=QUERY',
        ],
      },
      {
        why: 'only choose what is shown about each socket',
        options: [
          '-n, --numeric',
          '-o, --options',
          '-e, --extended',
          '-m, --memory',
          '-p, --processes',
          '-T, --threads',
          '-i, --info',
          '--tipcinfo',
          '-s, --summary',
          '--tos',
          '--cgroup',
          '-b, --bpf',
          '-Z, --context',
          '-z, --contexts',
          '-H, --no-header',
          '-O, --oneline',
          '--inet-sockopt',
        ],
      },
      { why: 'watch sockets as they close', options: ['-E, --events'] },
      {
        // netns_switch enters the namespace in ss's own private mount namespace.
        why: 'show the sockets of a named network namespace',
        options: ['-N, --net=NAME'],
      },
      {
        // Its host names would be looked up in DNS unseen (`… | ss -F -`).
        why: 'read the filter from a file, which the policy cannot judge',
        options: ['-F, --filter=FILE'],
        effect: { refused: 'reads its filter from a file: host names there are looked up in DNS' },
      },
      { why: 'dump raw TCP information into a file', options: ['-D, --diag=OUT'] },
      {
        why: 'close the sockets that match',
        options: ['-K, --kill'],
        effect: high('closes sockets'),
      },
      HELP_VERSION,
    ],
    operands: {
      kind: 'text',
      about: 'a filter: [state STATE] [EXPRESSION], with addresses written as numbers',
      judge: ssFilter,
    },
  },
  {
    name: 'ip',
    about: 'network addresses, links, routes, neighbours and rules (show verbs are low)',
    // ip matches global options by prefix (`-b` is -batch, `-n` -netns); only these exact
    // spellings are taken. Left out: -batch (runs commands from a file), -force, -netns, -all,
    // -resolve, -loops, -rcvbuf, -echo. Objects other than these six (netns exec runs a
    // program; tunnel, xfrm, vrf…) deny.
    singleDash: true,
    options: [
      {
        why: 'only choose the address family',
        options: ['-4', '-6', '-0', '-M', '-B', '-f FAMILY', '-family FAMILY'],
      },
      {
        why: 'only choose what is shown and how',
        options: [
          '-s',
          '-stats',
          '-statistics',
          '-d',
          '-details',
          '-h',
          '-human',
          '-human-readable',
          '-iec',
          '-o',
          '-oneline',
          '-j',
          '-json',
          '-p',
          '-pretty',
          '-br',
          '-brief',
          '-c',
          '-color',
          '-N',
          '-Numeric',
          '-t',
          '-timestamp',
          '-ts',
          '-tshort',
        ],
      },
      { why: 'only print the version', options: ['-V', '-Version'] },
    ],
    operands: { kind: 'none' },
    // iproute2's cmds[] order (ip.c): address, addrlabel, maddress, route, rule, neighbor,
    // neighbour, ntable, ntbl, link, … — the ones left out never come first for a word that
    // would begin one of these.
    match: 'first-prefix',
    subcommands: {
      address: IP_ADDRESS,
      maddress: IP_MADDRESS,
      route: IP_ROUTE,
      rule: IP_RULE,
      neighbor: IP_NEIGHBOUR,
      neighbour: IP_NEIGHBOUR,
      link: IP_LINK,
    },
  },
  {
    name: 'lsmod',
    about: 'loaded kernel modules',
    operands: { kind: 'none' },
  },
  {
    name: 'getent',
    about: 'entries of the name service databases (passwd, group, hosts, services…)',
    options: [
      {
        why: 'only choose how addresses are looked up',
        options: ['-A, --no-addrconfig', '-i, --no-idn'],
      },
      {
        // The service names an NSS module (libnss_NAME.so.2): a NAME, so never a path.
        why: 'choose the NSS service used',
        options: ['-s, --service=NAME'],
      },
      { why: 'only print help or the version', options: ['--help', '--usage', '-V, --version'] },
    ],
    operands: { kind: 'text', about: 'DATABASE [KEY…]', judge: getentOperands },
  },
];
