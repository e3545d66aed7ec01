import type { ParsedOption } from '../argv-grammar.js';
import type { Effect, OptionGroup, ProgramSpec, SubcommandSpec } from '../program-spec.js';
import { nameProblem } from '../program-spec.js';
import type { Word } from '../shell-syntax.js';

/**
 * The systemd tools and the SysV `service` wrapper, as systemd 252–257 reads them (getopt_long
 * that permutes, so options may follow the verb; verbs matched exactly, never abbreviated).
 * None of these runs a pager here: the gateway runs commands without a terminal, and systemd
 * opens its pager only when standard output is one (GTFOBins' `!sh` in less needs it).
 * Options that reach another host or container (-H, -M), or read and change another root or
 * disk image (--root, --image), are refused: the policy judges one host, the one it runs on.
 */

// ——— Units whose start, stop or signal is more than routine service control ———

/** The unit types systemctl knows; a name without one is a service (`nginx` is nginx.service). */
const UNIT_SUFFIX = /\.(service|socket|target|device|mount|automount|swap|timer|path|slice|scope)$/;

/**
 * Services that power off, reboot, suspend, or drop the host into rescue mode, as systemd and
 * SysV init name them (`service halt start` runs /etc/init.d/halt on a SysV host).
 */
const POWER_SERVICES = new Set([
  'systemd-poweroff',
  'systemd-reboot',
  'systemd-halt',
  'systemd-kexec',
  'systemd-soft-reboot',
  'systemd-suspend',
  'systemd-hibernate',
  'systemd-hybrid-sleep',
  'systemd-suspend-then-hibernate',
  'systemd-exit',
  'rescue',
  'emergency',
  'poweroff',
  'reboot',
  'halt',
  'kexec',
  'shutdown',
  'initrd-switch-root',
  // SysV init scripts that shut down, unmount or change the runlevel.
  'single',
  'rc',
  'rcS',
  'sendsigs',
  'killprocs',
  'umountfs',
  'umountnfs',
  'umountroot',
]);

/**
 * Services whose start or stop changes what operators need approval for: the firewall (stopping
 * nftables flushes the ruleset), packages (apt-daily-upgrade installs), disks, kernel settings,
 * logs and /tmp (systemd-tmpfiles removes files), a root shell on the console. Judged by the
 * name given: an alias the host defines (procps is systemd-sysctl on Debian) is listed by name
 * where known; the gateway cannot ask the host before it decides.
 */
const GUARDED_SERVICES: readonly [RegExp, string][] = [
  [
    /^(nftables|ufw|firewalld|dbus-org\.fedoraproject\.FirewallD1|iptables|ip6tables|netfilter-persistent|ebtables|shorewall6?|ferm|fail2ban)$/,
    'the firewall',
  ],
  [/^(logrotate|systemd-tmpfiles-.*)$/, 'logs and temporary files (it removes them)'],
  [
    /^(apt-daily|apt-daily-upgrade|unattended-upgrades|dnf-automatic.*|dnf-makecache|yum-cron|packagekit.*|transactional-update|snapd)$/,
    'packages',
  ],
  [
    /^(systemd-fsck|systemd-makefs|systemd-growfs|systemd-mkswap|systemd-cryptsetup|systemd-repart|fstrim|e2scrub.*|blk-availability|open-iscsi|iscsid|lvm2-.*|mdmonitor|multipathd)([@-].*)?$/,
    'disks',
  ],
  [
    /^(systemd-sysctl|procps|kmod|systemd-modules-load|systemd-sysusers|kmod-static-nodes)$/,
    'kernel settings and users',
  ],
  [/^debug-shell$/, 'logins: it opens a root shell on a console'],
  // The system's own plumbing: every systemd-* unit, the bus, user sessions, module loading.
  [
    /^(systemd-.*|dbus|dbus-broker|dbus-org\..*|polkit|user@.*|user-runtime-dir@.*)$/,
    "the system's own services",
  ],
  [/^modprobe@.*$/, 'kernel modules'],
  [
    /^(ssh|sshd|getty@.*|serial-getty@.*|sssd|nslcd|nscd|winbind)$/,
    'logins (the gateway reaches hosts over ssh)',
  ],
  [/^(rsyslog|syslog|syslog-ng)$/, 'logging'],
  [
    /^(network|network-manager|wg-quick@.*|openvpn.*|strongswan.*|keepalived|frr|openvswitch.*|dhcpcd|ModemManager|arptables|shorewall.*|sshguard|csf|lfd|crowdsec.*|firehol)$/,
    'networking or the firewall',
  ],
  [
    /^(iscsi|nfs-server|nfs-kernel-server|autofs|rpcbind|dm-event|rbdmap|dphys-swapfile|quotaon)$/,
    'storage',
  ],
  [/^(chrony|chronyd|ntp|ntpd|ntpsec)$/, 'the clock'],
  [
    /^(ldconfig|man-db|dpkg-db-backup|apport|kdump-tools|cpupower|ksm)$/,
    'system files or kernel settings',
  ],
  [
    /^(networking|NetworkManager|systemd-networkd|ifup@.*|wpa_supplicant.*|ipset|auditd)$/,
    'networking, the firewall or auditing',
  ],
  [
    /^(systemd-binfmt|tuned|systemd-sysext|systemd-confext|systemd-udev-trigger|systemd-boot-update|zfs-.*)$/,
    'kernel settings, system images or disks',
  ],
];

const GLOB = /[*?[]/;

/** Why starting, stopping or signalling this unit is more than routine, if it is. */
function unitConcern(unit: string): string | undefined {
  if (GLOB.test(unit))
    return `acts on every loaded unit matching ${unit}, power and mount units too`;
  const type = UNIT_SUFFIX.exec(unit)?.[1] ?? 'service';
  const base = unit.replace(UNIT_SUFFIX, '');
  switch (type) {
    case 'target':
      return `starts or stops ${unit}, a target: targets power off, reboot and change the runlevel`;
    case 'mount':
    case 'automount':
    case 'swap':
      return `mounts or unmounts ${unit}`;
    case 'slice':
      return `acts on every unit in ${unit}`;
    case 'scope':
      // PID 1 takes SIGRTMIN+4 as poweroff, SIGINT as ctrl-alt-del (reboot).
      return base === 'init' ? 'signals the service manager itself (PID 1)' : undefined;
    default: {
      if (POWER_SERVICES.has(base))
        return `powers off, reboots, suspends or enters rescue mode (${unit})`;
      const guarded = GUARDED_SERVICES.find(([re]) => re.test(base));
      return guarded ? `changes ${guarded[1]} (${unit})` : undefined;
    }
  }
}

/** Service control on units: high for a target, mount, slice, init.scope, power service or pattern. */
/** Signals that freeze or kill outright: a frozen sshd locks everyone out. */
const STOPPING_SIGNALS = /^(SIG)?(STOP|TSTP|KILL)$|^(9|19|20)$/i;

function judgeUnits(
  words: readonly Word[],
  options: readonly ParsedOption[] = [],
): Effect | undefined {
  const signal = options.find((o) => o.name === 'signal')?.value;
  if (signal && (signal.value === undefined || STOPPING_SIGNALS.test(signal.value)))
    return { risk: 'high', does: `sends ${signal.text}, which freezes or kills without cleanup` };
  for (const word of words) {
    const concern = word.value === undefined ? undefined : unitConcern(word.value);
    if (concern) return { risk: 'high', does: concern };
  }
  return undefined;
}

/** `log-level [LEVEL]`: reads without an operand, sets with one. */
const setsWithOperand =
  (effect: Effect, at = 0) =>
  (words: readonly Word[]): Effect | undefined =>
    words.length > at ? effect : undefined;

/** systemctl and systemd-analyze alike: show the manager's logging, or set it with an operand. */
const MANAGER_LOGGING: Readonly<Record<string, SubcommandSpec>> = {
  'log-level': {
    about: "show or set the manager's log level",
    operands: {
      kind: 'text',
      about: 'a level to set',
      max: 1,
      judge: setsWithOperand({ risk: 'high', does: "changes the service manager's log level" }),
    },
  },
  'log-target': {
    about: 'show or set where the manager logs',
    operands: {
      kind: 'text',
      about: 'a target to set',
      max: 1,
      judge: setsWithOperand({ risk: 'high', does: 'changes where the service manager logs' }),
    },
  },
};

const SERVICE_WATCHDOGS: SubcommandSpec = {
  about: 'show or set whether service watchdogs are enforced',
  operands: {
    kind: 'text',
    about: 'yes or no, to set',
    max: 1,
    judge: setsWithOperand({ risk: 'high', does: 'turns service watchdogs on or off' }),
  },
};

/** `set-property UNIT NAME=VALUE…`, `bind UNIT PATH`: the first operand is a unit name. */
function unitFirst(words: readonly Word[]): Effect | undefined {
  const first = words[0];
  const problem = first && nameProblem(first, 'a unit name');
  return problem ? { refused: `needs a unit name first: ${problem}` } : undefined;
}

const REMOTE: OptionGroup = {
  why: 'reach another host over ssh, or a local container',
  options: ['-H, --host=HOST', '-M, --machine=CONTAINER'],
  effect: { refused: 'operates on another host or container, which the policy does not see' },
};

// ——— systemctl ———

const noOperands = { kind: 'none' } as const;
const unitNames = (about = 'unit names or patterns') => ({ kind: 'names', about }) as const;

const read = (about: string, operands: SubcommandSpec['operands'] = unitNames()) => ({
  about,
  operands,
});

const control = (about: string, does: string, aliases?: readonly string[]): SubcommandSpec => ({
  about,
  effect: { risk: 'medium', does },
  operands: { kind: 'names', about: 'unit names', judge: judgeUnits },
  ...(aliases ? { aliases } : {}),
});

const high = (
  about: string,
  does: string,
  operands: SubcommandSpec['operands'] = unitNames('unit names'),
): SubcommandSpec => ({ about, effect: { risk: 'high', does }, operands });

const power = (about: string, does: string): SubcommandSpec => high(about, does, noOperands);

const SYSTEMCTL: ProgramSpec = {
  name: 'systemctl',
  about: 'query and control the systemd service manager',
  inheritOptions: true,
  defaultSubcommand: 'list-units',
  options: [
    {
      why: 'only choose which units, properties and lines are printed, and how',
      options: [
        '-t, --type=TYPE',
        '--state=STATE',
        '--failed',
        '-a, --all',
        '-p, --property=PROPERTY',
        '-P PROPERTY',
        '--value',
        '-l, --full',
        '-r, --recursive',
        '--reverse',
        '--after',
        '--before',
        '--with-dependencies',
        '--show-types',
        '--plain',
        '--legend=BOOL',
        '--no-legend',
        '-n, --lines=N',
        '-o, --output=MODE',
        '--timestamp=FORMAT',
        '-q, --quiet',
        '--no-warn',
        '--no-pager',
        '-h, --help',
        '--version',
      ],
    },
    {
      why: "choose the system manager or the calling user's own; neither reaches another host",
      options: ['--system', '--user'],
    },
    {
      why: 'only change how a queued job is waited for or shown; the verb carries the risk',
      options: ['--no-block', '--wait', '-T, --show-transaction', '--no-ask-password'],
    },
    {
      why: 'compatibility spellings of --job-mode=fail, replace-irreversibly and ignore-dependencies, which neither stop other units nor cancel jobs',
      options: ['--fail', '--irreversible', '--ignore-dependencies'],
    },
    {
      why: 'chooses how a new job treats queued ones: isolate stops every other unit, flush cancels every queued job',
      options: ['--job-mode=MODE'],
      effect: { risk: 'high', does: 'may stop every other unit or cancel every queued job' },
    },
    {
      why: 'only choose the signal that kill sends, and to which processes; kill is judged as service control',
      options: ['-s, --signal=SIGNAL', '--kill-whom=WHOM'],
    },
    {
      why: 'only change how enable, disable, mask and preset write unit files, which are high risk already',
      options: [
        '--now',
        '--runtime',
        '--global',
        '--no-reload',
        '-f, --force',
        '--preset-mode=MODE',
      ],
    },
    {
      why: 'only change how the power verbs shut down, which are high risk already',
      options: ['--no-wall', '--dry-run', '-i, --ignore-inhibitors', '--check-inhibitors=MODE'],
    },
    {
      why: "chooses what clean deletes: a unit's state, logs or configuration, not just its cache",
      options: ['--what=RESOURCES'],
      effect: {
        risk: 'critical',
        does: "deletes a unit's state, log or configuration directories",
      },
    },
    REMOTE,
    {
      why: 'work on unit files under another root directory, or in a disk image they mount',
      options: ['--root=ROOT', '--image=IMAGE'],
      effect: { refused: 'operates on another root or disk image, which the policy does not see' },
    },
  ],
  operands: { kind: 'none' },
  // In the order of `systemctl --help`.
  subcommands: {
    'list-units': read('list the units in memory'),
    'list-automounts': read('list automount units'),
    'list-paths': read('list path units'),
    'list-sockets': read('list socket units'),
    'list-timers': read('list timer units and when they next elapse'),
    'is-active': { ...read('say whether units are active'), aliases: ['check'] },
    'is-failed': read('say whether units have failed'),
    status: read(
      'show the status of units or processes',
      unitNames('unit names, patterns or PIDs'),
    ),
    show: read('show properties of units, jobs or the manager', unitNames('unit names or job IDs')),
    cat: read('print unit files and their drop-ins'),
    help: {
      about: "show a unit's manual page",
      operands: unitNames(),
      effect: { refused: 'runs man, a program the policy cannot see' },
    },
    'list-dependencies': read('show the dependency tree of units'),
    start: control('start units', 'starts units'),
    stop: control('stop units', 'stops units', ['condstop']),
    reload: control("reload units' configuration", 'reloads units'),
    restart: control('restart units', 'restarts units'),
    'try-restart': control('restart units that are running', 'restarts units', ['condrestart']),
    'reload-or-restart': control('reload units, or restart them', 'reloads or restarts units'),
    'try-reload-or-restart': control(
      'reload or restart units that are running',
      'reloads or restarts units',
      ['reload-or-try-restart', 'force-reload', 'condreload'],
    ),
    isolate: high(
      'start one unit and stop all others',
      'stops every unit the given one does not need (changes the runlevel)',
      { kind: 'names', about: 'a unit name', max: 1 },
    ),
    kill: control("send a signal to units' processes", "signals units' processes"),
    clean: high(
      "remove a unit's runtime, cache, state, log or configuration directories",
      "deletes a unit's directories",
    ),
    freeze: high("freeze units' processes", "freezes units' processes"),
    thaw: high('resume frozen units', 'resumes frozen units'),
    'set-property': high(
      'change properties of a running unit (resource limits, access)',
      "changes a unit's properties",
      { kind: 'text', about: 'a unit name, then NAME=VALUE', judge: unitFirst },
    ),
    bind: high("bind-mount a host path into a unit's namespace", 'mounts into a unit', {
      kind: 'text',
      about: 'a unit name, then paths',
      max: 3,
      judge: unitFirst,
    }),
    'mount-image': high("mount a disk image into a unit's namespace", 'mounts into a unit', {
      kind: 'text',
      about: 'a unit name, then paths and mount options',
      max: 4,
      judge: unitFirst,
    }),
    'service-log-level': {
      about: "show or set a service's log level",
      operands: {
        kind: 'names',
        about: 'a service name, then a level to set',
        max: 2,
        judge: setsWithOperand({ risk: 'medium', does: "changes a service's log level" }, 1),
      },
    },
    'service-log-target': {
      about: 'show or set where a service logs',
      operands: {
        kind: 'names',
        about: 'a service name, then a target to set',
        max: 2,
        judge: setsWithOperand({ risk: 'medium', does: 'changes where a service logs' }, 1),
      },
    },
    'reset-failed': {
      about: 'clear the failed state of units',
      effect: { risk: 'medium', does: "clears units' failed state" },
      operands: unitNames(),
    },
    whoami: read('show which unit a process belongs to', unitNames('PIDs')),
    'list-unit-files': read('list installed unit files'),
    enable: high('enable unit files', 'enables units at boot'),
    disable: high('disable unit files', 'disables units at boot'),
    reenable: high('disable and enable unit files again', 're-enables units'),
    preset: high('enable or disable units by the preset policy', 'applies presets to units'),
    'preset-all': high(
      'apply the preset policy to every unit',
      'applies presets to every unit',
      noOperands,
    ),
    'is-enabled': read('say whether unit files are enabled', unitNames('unit names')),
    mask: high('mask units so they cannot start', 'masks units'),
    unmask: high('unmask units', 'unmasks units'),
    link: high(
      'link unit files from elsewhere into the search path',
      'links a unit file into the search path, so it can be run',
      {
        kind: 'paths',
        about: 'unit file paths',
      },
    ),
    revert: high('revert unit files to the vendor version', 'removes local unit overrides'),
    'add-wants': high('add a Wants= dependency to a target', 'adds a dependency to a target'),
    'add-requires': high('add a Requires= dependency to a target', 'adds a dependency to a target'),
    edit: {
      about: 'edit unit files',
      operands: unitNames('unit names'),
      effect: { refused: 'runs an editor, a program the policy cannot see' },
    },
    'get-default': read('print the default target', noOperands),
    'set-default': high('set the default target', 'changes the default target', {
      kind: 'names',
      about: 'a target name',
      max: 1,
    }),
    'list-machines': read('list the host and its local containers'),
    'list-jobs': read('list queued jobs'),
    cancel: {
      about: 'cancel queued jobs',
      effect: { risk: 'medium', does: 'cancels queued jobs' },
      operands: unitNames('job IDs'),
    },
    'show-environment': read("print the manager's environment", noOperands),
    'set-environment': high(
      "set variables in the manager's environment",
      'changes the environment every service starts with',
      {
        kind: 'text',
        about: 'VARIABLE=VALUE',
      },
    ),
    'unset-environment': high(
      "unset variables in the manager's environment",
      'changes the environment every service starts with',
      {
        kind: 'text',
        about: 'variable names',
      },
    ),
    'import-environment': high(
      "copy variables into the manager's environment",
      'changes the environment every service starts with',
      {
        kind: 'text',
        about: 'variable names',
      },
    ),
    'daemon-reload': {
      about: "reload the manager's configuration and unit files",
      effect: { risk: 'medium', does: 'reloads the service manager' },
      operands: noOperands,
    },
    'daemon-reexec': power('re-execute the service manager', 're-executes the service manager'),
    ...MANAGER_LOGGING,
    'service-watchdogs': SERVICE_WATCHDOGS,
    'is-system-running': read('say whether the system is fully running', noOperands),
    default: power('enter the default target', 'changes the runlevel to the default target'),
    rescue: power('enter rescue mode', 'drops the host into rescue mode'),
    emergency: power('enter emergency mode', 'drops the host into emergency mode'),
    halt: power('shut down and halt', 'halts the host'),
    poweroff: power('shut down and power off', 'powers off the host'),
    reboot: power('shut down and reboot', 'reboots the host'),
    kexec: power('reboot through kexec', 'reboots the host'),
    'soft-reboot': power('restart userspace', 'restarts every service on the host'),
    exit: high('ask a user manager or container to exit', 'stops the service manager', {
      kind: 'text',
      about: 'an exit code',
      max: 1,
    }),
    'switch-root': {
      about: 'switch to another root file system',
      operands: { kind: 'text', about: 'a root directory and an init program', max: 2 },
      effect: { refused: "runs another root's init program, which the policy cannot see" },
    },
    sleep: power('suspend or hibernate', 'suspends the host'),
    suspend: power('suspend', 'suspends the host'),
    hibernate: power('hibernate', 'hibernates the host'),
    'hybrid-sleep': power('hibernate and suspend', 'suspends the host'),
    'suspend-then-hibernate': power('suspend, then hibernate', 'suspends the host'),
  },
};

// ——— journalctl ———

const JOURNALCTL: ProgramSpec = {
  name: 'journalctl',
  about: 'read the systemd journal',
  options: [
    {
      why: 'only choose which journal entries are read: by time, boot, unit, priority or text',
      options: [
        '-S, --since=DATE',
        '-U, --until=DATE',
        '-c, --cursor=CURSOR',
        '--after-cursor=CURSOR',
        '-u, --unit=UNIT',
        '--user-unit=UNIT',
        '--invocation=ID',
        '-I',
        '-t, --identifier=ID',
        '-T, --exclude-identifier=ID',
        '-p, --priority=RANGE',
        '--facility=FACILITY',
        '-g, --grep=PATTERN',
        '--case-sensitive[=BOOL]',
        '-k, --dmesg',
        '-m, --merge',
        '--system',
        '--user',
        '--namespace=NAMESPACE',
      ],
    },
    {
      // journalctl takes these values from the next word too when it is a boot offset, a boot
      // ID or a count (`-b -1`, `-n 50`), as it does itself.
      why: 'only choose which boot is read and how many entries are printed',
      options: ['-b, --boot[=ID]', '-n, --lines[=N]'],
      nextValue: /^([-+]?\d+|[0-9a-f]{32}([-+]\d+)?|all)$/,
    },
    {
      why: 'only choose how entries are printed',
      options: [
        '-o, --output=MODE',
        '--output-fields=LIST',
        '-r, --reverse',
        '--show-cursor',
        '--utc',
        '-x, --catalog',
        '-W, --no-hostname',
        '-l, --full',
        '--no-full',
        '-a, --all',
        '-f, --follow',
        '--no-tail',
        '--truncate-newline',
        '-q, --quiet',
        '--no-pager',
        '-e, --pager-end',
        '-h, --help',
        '--version',
      ],
    },
    {
      why: 'only report on the journal: its fields, boots, disk usage, catalog, file consistency',
      options: [
        '-N, --fields',
        '-F, --field=FIELD',
        '--list-boots',
        '--list-invocations',
        '--list-namespaces',
        '--disk-usage',
        '--header',
        '--verify',
        '--verify-key=KEY',
        '--list-catalog',
        '--dump-catalog',
      ],
    },
    {
      why: 'read journal files from another directory or file, judged like any file read',
      options: ['-D, --directory=FILE', '--file=PATTERN', '--root=FILE'],
    },
    {
      why: 'reads a cursor from the file and writes the new one back to it',
      options: ['--cursor-file=OUT'],
    },
    {
      why: 'ask journald to flush or sync its files',
      options: ['--flush', '--sync'],
      effect: { risk: 'medium', does: 'changes how journald writes its files' },
    },
    {
      // Each rotation also vacuums by SystemMaxFiles: a hundred of them delete the archive.
      why: 'rotate the journal (which vacuums old files), or stop writing to /var (logs become volatile)',
      options: ['--rotate', '--relinquish-var', '--smart-relinquish-var'],
      effect: {
        risk: 'high',
        does: 'rotates or relocates the journal, deleting or losing old entries',
      },
    },
    {
      why: 'delete archived journal files down to a size, count or age',
      options: ['--vacuum-size=SIZE', '--vacuum-files=N', '--vacuum-time=TIME'],
      effect: { risk: 'high', does: 'deletes journal files' },
    },
    {
      why: 'generate new Forward Secure Sealing keys (--force and --interval only go with it)',
      options: ['--setup-keys', '--force', '--interval=TIME'],
      effect: { risk: 'high', does: 'writes new journal sealing keys' },
    },
    {
      why: 'rebuild the message catalog database',
      options: ['--update-catalog'],
      effect: { risk: 'high', does: 'rewrites the message catalog' },
    },
    {
      why: "read a local container's journal",
      options: ['-M, --machine=CONTAINER'],
      effect: { refused: 'reads a container the policy does not see' },
    },
    {
      why: 'mount a disk image to read the journal in it',
      options: ['--image=IMAGE'],
      effect: { refused: 'mounts a disk image, which the policy cannot judge' },
    },
  ],
  operands: { kind: 'text', about: 'matches: FIELD=VALUE, +, or the path of a program or device' },
};

// ——— timedatectl, hostnamectl ———

const SHOW_PROPERTIES: OptionGroup = {
  why: 'only choose which properties are printed, and how',
  options: [
    '-p, --property=PROPERTY',
    '-a, --all',
    '--value',
    '--no-pager',
    '--no-ask-password',
    '-h, --help',
    '--version',
  ],
};

const TIMEDATECTL: ProgramSpec = {
  name: 'timedatectl',
  about: 'show or change the clock, time zone and time synchronization',
  inheritOptions: true,
  defaultSubcommand: 'status',
  options: [
    SHOW_PROPERTIES,
    { why: "keeps printing timesyncd's status as it changes", options: ['--monitor'] },
    {
      why: 'only used by set-local-rtc, which is high risk already',
      options: ['--adjust-system-clock'],
    },
    REMOTE,
  ],
  operands: noOperands,
  subcommands: {
    status: read('show the time settings', noOperands),
    show: read("show timedated's properties", noOperands),
    'set-time': high('set the clock', 'sets the clock', { kind: 'text', about: 'a time', max: 1 }),
    'set-timezone': high('set the time zone', 'changes the time zone', {
      kind: 'text',
      about: 'a time zone',
      max: 1,
    }),
    'list-timezones': read('list the known time zones', noOperands),
    'set-local-rtc': high(
      'keep the hardware clock in local time or UTC',
      'changes the hardware clock mode',
      {
        kind: 'text',
        about: 'yes or no',
        max: 1,
      },
    ),
    'set-ntp': high(
      'turn network time synchronization on or off',
      'turns time synchronization on or off',
      {
        kind: 'text',
        about: 'yes or no',
        max: 1,
      },
    ),
    'timesync-status': read("show timesyncd's status", noOperands),
    'show-timesync': read("show timesyncd's properties", noOperands),
    'ntp-servers': high("set a link's NTP servers", "changes a link's NTP servers", {
      kind: 'text',
      about: 'an interface, then servers',
    }),
    revert: high("drop a link's NTP settings", "resets a link's NTP servers", {
      kind: 'names',
      about: 'an interface',
      max: 1,
    }),
  },
};

const getOrSet = (about: string, does: string, aliases: readonly string[]): SubcommandSpec => ({
  about,
  aliases,
  operands: {
    kind: 'text',
    about: 'a value to set',
    max: 1,
    judge: setsWithOperand({ risk: 'high', does }),
  },
});

const HOSTNAMECTL: ProgramSpec = {
  name: 'hostnamectl',
  about: 'show or change the hostname and machine information',
  inheritOptions: true,
  defaultSubcommand: 'status',
  options: [
    {
      why: 'only choose how the status is printed',
      options: ['--json=MODE', '--no-ask-password', '-h, --help', '--version'],
    },
    {
      why: 'choose which of the names is read or set; setting is judged by the verb',
      options: ['--static', '--transient', '--pretty'],
    },
    REMOTE,
  ],
  operands: noOperands,
  subcommands: {
    status: read('show the hostname and machine information', noOperands),
    hostname: getOrSet('show or set the hostname', 'changes the hostname', ['set-hostname']),
    'icon-name': getOrSet('show or set the icon name', 'changes the icon name', ['set-icon-name']),
    chassis: getOrSet('show or set the chassis type', 'changes the chassis type', ['set-chassis']),
    deployment: getOrSet('show or set the deployment environment', 'changes the deployment', [
      'set-deployment',
    ]),
    location: getOrSet('show or set the location', 'changes the location', ['set-location']),
  },
};

// ——— loginctl ———

const LOGINCTL: ProgramSpec = {
  name: 'loginctl',
  about: 'list and control login sessions, users and seats',
  inheritOptions: true,
  defaultSubcommand: 'list-sessions',
  options: [
    {
      why: 'only choose what is printed, and how',
      options: [
        '-p, --property=PROPERTY',
        '-P PROPERTY',
        '-a, --all',
        '--value',
        '-l, --full',
        '-n, --lines=N',
        '-o, --output=MODE',
        '--json=MODE',
        '-j',
        '--no-pager',
        '--no-legend',
        '--no-ask-password',
        '-h, --help',
        '--version',
      ],
    },
    {
      why: 'only choose the signal kill-session and kill-user send, and to which processes',
      options: ['-s, --signal=SIGNAL', '--kill-whom=WHOM'],
    },
    REMOTE,
  ],
  operands: noOperands,
  // In the order of `loginctl --help`.
  subcommands: {
    'list-sessions': read('list sessions', noOperands),
    'session-status': read("show sessions' status", unitNames('session IDs')),
    'show-session': read("show sessions' properties", unitNames('session IDs')),
    activate: {
      about: 'bring a session to the foreground',
      effect: { risk: 'medium', does: 'switches the active session' },
      operands: { kind: 'names', about: 'a session ID', max: 1 },
    },
    'lock-session': {
      about: "lock sessions' screens",
      effect: { risk: 'medium', does: 'locks screens' },
      operands: unitNames('session IDs'),
    },
    'unlock-session': high(
      "unlock sessions' screens",
      'unlocks locked screens',
      unitNames('session IDs'),
    ),
    'lock-sessions': {
      about: "lock every session's screen",
      effect: { risk: 'medium', does: 'locks screens' },
      operands: noOperands,
    },
    'unlock-sessions': high("unlock every session's screen", 'unlocks locked screens', noOperands),
    'terminate-session': {
      about: 'end sessions',
      effect: { risk: 'medium', does: 'ends login sessions' },
      operands: unitNames('session IDs'),
    },
    'kill-session': {
      about: "send a signal to sessions' processes",
      effect: { risk: 'medium', does: "signals a session's processes" },
      operands: unitNames('session IDs'),
    },
    'list-users': read('list logged-in users', noOperands),
    'user-status': read("show users' status", unitNames('user names or UIDs')),
    'show-user': read("show users' properties", unitNames('user names or UIDs')),
    'enable-linger': high(
      "start users' managers at boot",
      "lets users' services run without a login",
      unitNames('user names or UIDs'),
    ),
    'disable-linger': high(
      "stop starting users' managers at boot",
      "changes users' lingering",
      unitNames('user names or UIDs'),
    ),
    'terminate-user': high(
      "end all of users' sessions",
      'ends every session of users',
      unitNames('user names or UIDs'),
    ),
    'kill-user': high(
      "send a signal to all of users' processes",
      'signals every process of users',
      unitNames('user names or UIDs'),
    ),
    'list-seats': read('list seats', noOperands),
    'seat-status': read("show seats' status", unitNames('seat names')),
    'show-seat': read("show seats' properties", unitNames('seat names')),
    attach: high('attach devices to a seat', 'assigns devices to a seat', {
      kind: 'text',
      about: 'a seat name, then device paths',
      judge: unitFirst,
    }),
    'flush-devices': high(
      'drop every device-to-seat assignment',
      'resets device assignments',
      noOperands,
    ),
    'terminate-seat': high(
      'end every session on seats',
      'ends every session on seats',
      unitNames('seat names'),
    ),
  },
};

// ——— systemd-analyze ———

/** Where systemd looks for configuration (`CONF_PATHS`); cat-config strips one of them. */
const CONF_PREFIXES = ['/etc/', '/run/', '/usr/local/lib/', '/usr/lib/', '/lib/'];

/**
 * The configuration cat-config may print: systemd's own daemons' files and the standard drop-in
 * directories. Anything else is refused, since cat-config reads NAME under /etc, /run and /usr
 * (`cat-config shadow` prints /etc/shadow, and `/usr/lib/shadow` does too).
 */
const CAT_CONFIG =
  /^(?:systemd\/[\w.-]+\.conf|(?:tmpfiles|sysusers|sysctl|binfmt|modules-load|user-tmpfiles)\.d(?:\/[\w.@-]+\.conf)?)$/;

function judgeCatConfig(words: readonly Word[]): Effect | undefined {
  for (const word of words) {
    const v = word.value;
    if (v === undefined) return { refused: `is given ${word.text}, known only at run time` };
    const relative = v.startsWith('/')
      ? CONF_PREFIXES.filter((p) => v.startsWith(p)).map((p) => v.slice(p.length))[0]
      : v;
    if (relative === undefined || !CAT_CONFIG.test(relative)) {
      return {
        refused: `prints only systemd's configuration (systemd/NAME.conf, tmpfiles.d, sysctl.d, …), not ${v}`,
      };
    }
  }
  return undefined;
}

const SYSTEMD_ANALYZE: ProgramSpec = {
  name: 'systemd-analyze',
  about: 'analyze boot time, unit dependencies and unit files',
  inheritOptions: true,
  defaultSubcommand: 'time',
  options: [
    {
      why: 'only choose what is printed, and how',
      options: [
        '--json=MODE',
        '--no-pager',
        '-q, --quiet',
        '-h, --help',
        '--version',
        '--system',
        '--user',
        '--global',
      ],
    },
    {
      why: 'only choose which dependencies dot and critical-chain print',
      options: [
        '--order',
        '--require',
        '--from-pattern=GLOB',
        '--to-pattern=GLOB',
        '--fuzz=SECONDS',
      ],
    },
    {
      why: 'only choose which times calendar and timestamp compute',
      options: ['--iterations=N', '--base-time=TIMESTAMP'],
    },
    {
      // security --offline builds the same test manager as verify and condition.
      why: 'analyse unit files offline, in a test service manager',
      options: ['--offline=BOOL'],
      effect: {
        risk: 'medium',
        does: 'starts a test service manager, which writes under /run and /tmp',
      },
    },
    {
      why: 'only choose what verify, security and condition check (profiles and policies are read like any file)',
      options: [
        '--man[=BOOL]',
        '--recursive-errors=MODE',
        '--threshold=N',
        '--security-policy=FILE',
        '--profile=FILE',
        '--unit=UNIT',
      ],
    },
    {
      why: 'run the unit generators',
      options: ['--generators[=BOOL]'],
      effect: { refused: 'runs the unit generators, programs the policy cannot see' },
    },
    REMOTE,
    {
      why: 'read another root directory, or a disk image they mount',
      options: ['--root=ROOT', '--image=IMAGE'],
      effect: { refused: 'operates on another root or disk image, which the policy does not see' },
    },
  ],
  operands: noOperands,
  // In the order of systemd-analyze's own verb table.
  subcommands: {
    time: read('print how long boot took', noOperands),
    blame: read('list units by how long they took to start', noOperands),
    'critical-chain': read('print the time-critical chain of units', unitNames('unit names')),
    plot: read('print an SVG chart of the boot', noOperands),
    dot: read('print the dependency graph in dot format', unitNames('unit patterns')),
    ...MANAGER_LOGGING,
    'set-log-level': high(
      "set the manager's log level",
      "changes the service manager's log level",
      {
        kind: 'text',
        about: 'a level',
        max: 1,
      },
    ),
    'get-log-level': read("print the manager's log level", noOperands),
    'set-log-target': high('set where the manager logs', 'changes where the service manager logs', {
      kind: 'text',
      about: 'a target',
      max: 1,
    }),
    'get-log-target': read('print where the manager logs', noOperands),
    'service-watchdogs': SERVICE_WATCHDOGS,
    dump: read("print the manager's state", unitNames('unit patterns')),
    'cat-config': {
      about: 'print a systemd configuration file and its drop-ins',
      operands: {
        kind: 'text',
        about: 'systemd/NAME.conf or a drop-in directory',
        judge: judgeCatConfig,
      },
    },
    'unit-files': read('list unit files and their aliases', unitNames('unit patterns')),
    'unit-paths': read('list the directories units load from', noOperands),
    'exit-status': read('list exit status names', { kind: 'text', about: 'statuses' }),
    'syscall-filter': read('list system call sets', { kind: 'text', about: '@set names' }),
    capability: read('list capabilities', { kind: 'text', about: 'capability names or numbers' }),
    filesystems: read('list file system sets', { kind: 'text', about: '@set names' }),
    // As root it starts a test manager that touches /run/systemd/systemd-units-load and
    // creates a temporary directory.
    condition: {
      about: 'evaluate Condition= and Assert= settings',
      effect: {
        risk: 'medium',
        does: 'starts a test service manager, which writes under /run and /tmp',
      },
      operands: { kind: 'text', about: 'conditions' },
    },
    'compare-versions': read('compare two version strings', {
      kind: 'text',
      about: 'versions and an operator',
      max: 3,
    }),
    // verify loads the units in a test manager (it runs no ExecStart=), but it runs man for each
    // Documentation= page they name, unless --man=no: a program, if a known one, so not read-only.
    verify: {
      about: 'check unit files for errors',
      effect: { risk: 'medium', does: "runs man for the units' Documentation= pages" },
      operands: { kind: 'files', about: 'unit files' },
    },
    calendar: read('normalize calendar events and say when they next elapse', {
      kind: 'text',
      about: 'calendar specifications',
    }),
    timestamp: read('normalize timestamps', { kind: 'text', about: 'timestamps' }),
    timespan: read('normalize time spans', { kind: 'text', about: 'time spans' }),
    security: read("score units' sandboxing", unitNames('unit names')),
    'inspect-elf': read('print the package metadata of ELF files', {
      kind: 'files',
      about: 'ELF files',
    }),
  },
};

// ——— service ———

/** The actions service may run, and what each changes (status only reads). */
const SERVICE_ACTIONS: ReadonlyMap<string, Effect | undefined> = new Map([
  ['status', undefined],
  ['start', { risk: 'medium', does: 'starts a service' }],
  ['stop', { risk: 'medium', does: 'stops a service' }],
  ['restart', { risk: 'medium', does: 'restarts a service' }],
  ['reload', { risk: 'medium', does: 'reloads a service' }],
  ['force-reload', { risk: 'medium', does: 'reloads or restarts a service' }],
  ['try-restart', { risk: 'medium', does: 'restarts a service' }],
]);

/**
 * Reads `service`'s words as /usr/sbin/service (init-system-helpers 1.65) does — not getopt, but
 * one pass in order: -h, --help, --h… and -V, --version print and exit wherever they stand, before
 * anything runs; `--status-all` as the only word runs every init script's status; `NAME
 * --full-restart` as the last two words restarts; otherwise the first word is the service, the
 * second the action, and the rest go to the init script. The name must not be a path:
 * `service ../../bin/sh` runs /etc/init.d/../../bin/sh (GTFOBins).
 */
function judgeService(words: readonly Word[]): Effect | undefined {
  let name: Word | undefined;
  let action: string | undefined;
  const extra: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word) break;
    const v = word.value;
    if (v === undefined || word.glob) {
      return {
        refused: `is given ${word.text}, which may become any word, where it reads a name or an action`,
      };
    }
    // Prints its usage or version and exits: nothing before it has run.
    if (v === '-h' || v === '--help' || v.startsWith('--h') || v === '-V' || v === '--version')
      return undefined;
    const left = words.length - i;
    if (!name && left === 1 && v === '--status-all') return undefined;
    if (left === 2 && words[i + 1]?.value === '--full-restart') {
      name = word;
      action = 'restart';
      i++;
    } else if (!name) name = word;
    else if (action === undefined) action = v;
    else extra.push(v);
  }
  // No words at all: service prints its usage.
  if (!name) return undefined;
  // service expands the name unquoted: a pattern would match files in its directory.
  const problem =
    nameProblem(name, 'a service name') ??
    (/[*?[\]]/.test(name.value ?? '')
      ? `${name.text} is a pattern, not a service name`
      : undefined);
  if (problem || name.value === '') return { refused: problem ?? 'is given an empty service name' };
  if (action === undefined || !SERVICE_ACTIONS.has(action)) {
    return {
      refused: `passes ${action ?? 'no action'} to the init script, which the policy cannot judge (known: ${[...SERVICE_ACTIONS.keys()].join(', ')})`,
    };
  }
  if (extra.length > 0) return { refused: `passes ${extra.join(' ')} on to the init script` };
  const effect = SERVICE_ACTIONS.get(action);
  const base = (name.value ?? '').replace(/\.sh$/, '');
  if (effect && POWER_SERVICES.has(base)) {
    return { risk: 'high', does: `powers off, reboots or changes the runlevel (${base})` };
  }
  // On a systemd host, service NAME ACTION is systemctl ACTION NAME: the same units are guarded.
  const concern = effect && unitConcern(base);
  return concern ? { risk: 'high', does: concern } : effect;
}

const SERVICE: ProgramSpec = {
  name: 'service',
  about: "run an init script's action, or systemctl's on a systemd host",
  // service reads its words itself, in one pass (see judgeService); its only options print.
  rawArgs: true,
  operands: {
    kind: 'text',
    about:
      'NAME ACTION (status, start, stop, restart, reload, force-reload, try-restart), NAME --full-restart, or --status-all',
    judge: judgeService,
  },
};

export const SPECS: readonly ProgramSpec[] = [
  SYSTEMCTL,
  JOURNALCTL,
  TIMEDATECTL,
  HOSTNAMECTL,
  LOGINCTL,
  SYSTEMD_ANALYZE,
  SERVICE,
];
