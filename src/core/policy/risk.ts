import type { ResolvedCommand } from './resolve.js';
import { baseName } from './resolve.js';

export const RISKS = ['low', 'medium', 'high', 'critical'] as const;
export type Risk = (typeof RISKS)[number];

export const riskRank = (r: Risk): number => RISKS.indexOf(r);
export const maxRisk = (a: Risk, b: Risk): Risk => (riskRank(a) >= riskRank(b) ? a : b);

/**
 * Risk by program name, for programs without a spec (a spec says what each option does; see
 * programs/): commands that only read or report, whatever their arguments.
 */
const READS = new Set(
  (
    'uptime df free ps ss netstat lsblk lscpu lsmem uname id whoami w who last lastlog hostname date ls stat file cat head tail ' +
    'grep egrep fgrep zgrep zcat bzcat xzcat wc du find sort uniq cut tr column echo printf true false test [ [[ which whereis ' +
    'type getent journalctl systemctl service dmesg vmstat iostat mpstat sar pgrep pidof lsof env printenv nproc ip ifconfig route ' +
    'readlink realpath md5sum sha1sum sha256sum sha512sum basename dirname tree top htop timedatectl hostnamectl loginctl ' +
    'systemd-analyze dig host nslookup ping tracepath traceroute getconf locale findmnt mount lsmod modinfo sysctl docker kubectl ' +
    'crontab command jq awk sed less more tac nl od hexdump strings diff cmp comm join paste fold fmt expand unexpand pwd sleep ' +
    'seq yes arch lsusb lspci lshw dmidecode blkid free curl wget'
  ).split(' '),
);

const PACKAGE_MANAGERS = new Set([
  'apt',
  'apt-get',
  'aptitude',
  'dpkg',
  'yum',
  'dnf',
  'rpm',
  'zypper',
  'apk',
  'pacman',
  'snap',
  'flatpak',
  'pip',
  'pip3',
  'gem',
  'npm',
  'yarn',
  'pnpm',
  'cargo',
  'go',
]);
const PACKAGE_READ_VERBS = new Set([
  'list',
  'show',
  'search',
  'info',
  'policy',
  'madison',
  'depends',
  'rdepends',
  '-l',
  '-L',
  '-s',
  '-S',
  '-q',
  '-qa',
  '-qi',
  '--version',
  '-V',
  'version',
  'freeze',
  'check',
  'query',
  'ls',
  'outdated',
  'view',
]);
const USER_CHANGES = new Set([
  'useradd',
  'userdel',
  'usermod',
  'groupadd',
  'groupdel',
  'groupmod',
  'gpasswd',
  'passwd',
  'chpasswd',
  'chage',
  'chsh',
  'chfn',
  'visudo',
  'adduser',
  'deluser',
  'addgroup',
  'delgroup',
  'vipw',
  'newusers',
]);
const FIREWALL = new Set([
  'iptables',
  'ip6tables',
  'iptables-restore',
  'ip6tables-restore',
  'nft',
  'ufw',
  'firewall-cmd',
  'ebtables',
  'arptables',
]);
const POWER = new Set(['reboot', 'shutdown', 'halt', 'poweroff', 'init', 'telinit', 'kexec']);
const DISK_DESTROYERS = new Set([
  'mke2fs',
  'wipefs',
  'fdisk',
  'sfdisk',
  'cfdisk',
  'parted',
  'gdisk',
  'sgdisk',
  'blkdiscard',
  'shred',
  'mkswap',
  'pvremove',
  'vgremove',
  'lvremove',
  'zpool',
  'cryptsetup',
]);
const KERNEL = new Set([
  'modprobe',
  'rmmod',
  'insmod',
  'swapoff',
  'swapon',
  'umount',
  'kexec',
  'sysrq',
]);
const FILE_CHANGES = new Set([
  'cp',
  'mv',
  'touch',
  'mkdir',
  'rmdir',
  'ln',
  'tee',
  'truncate',
  'install',
  'rsync',
  'chmod',
  'chown',
  'chgrp',
  'setfacl',
  'unlink',
  'tar',
  'unzip',
  'gzip',
  'gunzip',
  'patch',
]);
const PROCESS_CONTROL = new Set(['kill', 'pkill', 'killall', 'renice']);
const BLOCK_DEVICE = /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|md|dm-|mapper\/|disk\/|loop)/;

const values = (c: ResolvedCommand) => c.args.map((a) => a.value ?? '');

/** How much damage a command can do: read, write, service control, package change, destruction. */
export function classifyRisk(c: ResolvedCommand): Risk {
  let risk: Risk = 'low';
  for (const w of c.writes) {
    const target = w.value;
    if (target === undefined) risk = maxRisk(risk, 'high');
    else if (BLOCK_DEVICE.test(target)) risk = maxRisk(risk, 'critical');
    else if (
      target.startsWith('/etc/') ||
      target.startsWith('/boot/') ||
      target.startsWith('/usr/') ||
      target.startsWith('/bin/') ||
      target.startsWith('/sbin/') ||
      target.startsWith('/lib')
    )
      risk = maxRisk(risk, 'high');
    else risk = maxRisk(risk, 'medium');
  }
  if (!c.program) return risk;
  // A program with a spec is classed by what its spec says the given options and operands do.
  if (c.spec) return maxRisk(risk, c.spec.risk);
  return maxRisk(risk, programRisk(baseName(c.program), values(c)));
}

function programRisk(name: string, args: string[]): Risk {
  const first = args.find((a) => !a.startsWith('-')) ?? '';
  if (name === 'dd') return args.some((a) => a.startsWith('of=')) ? 'critical' : 'low';
  if (name.startsWith('mkfs') || DISK_DESTROYERS.has(name)) return 'critical';
  if (USER_CHANGES.has(name) || FIREWALL.has(name) || POWER.has(name) || KERNEL.has(name))
    return 'high';
  if (PACKAGE_MANAGERS.has(name))
    return args.length === 0 ||
      PACKAGE_READ_VERBS.has(first) ||
      args.every((a) => a.startsWith('-') && PACKAGE_READ_VERBS.has(a))
      ? 'low'
      : 'high';
  if (name === 'find')
    return args.includes('-delete')
      ? 'high'
      : args.some((a) => a.startsWith('-fprint') || a === '-fls')
        ? 'medium'
        : 'low';
  if (name === 'docker' || name === 'kubectl')
    return [
      'ps',
      'logs',
      'inspect',
      'stats',
      'top',
      'version',
      'info',
      'images',
      'get',
      'describe',
      'events',
      'port',
      'diff',
    ].includes(first)
      ? 'low'
      : 'medium';
  if (name === 'curl' || name === 'wget')
    return args.some(
      (a) =>
        a === '-o' ||
        a === '-O' ||
        a.startsWith('--output') ||
        a === '-X' ||
        a === '-d' ||
        a.startsWith('--data') ||
        a === '-T' ||
        a === '--upload-file',
    )
      ? 'medium'
      : 'low';
  if (FILE_CHANGES.has(name) || PROCESS_CONTROL.has(name)) return 'medium';
  if (READS.has(name)) return 'low';
  return 'medium';
}
