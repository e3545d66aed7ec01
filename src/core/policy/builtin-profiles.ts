import type { ProfileConfig } from './policy-config.js';

/**
 * The profiles every fleet has; config can extend them. Deny beats approve beats allow, and a
 * command no rule allows is denied. docs/policy.md lists these rules for people.
 */

const READ_ONLY_COMMANDS = [
  'uptime **', 'df **', 'free **', 'ps **', 'ss **', 'netstat **', 'lsblk **', 'lscpu **', 'lsmem **', 'uname **', 'id **',
  'whoami', 'w **', 'who **', 'last **', 'lastlog **', 'hostname', 'hostname -*', 'date', 'date +*', 'date -u **', 'date -R', 'date -I*',
  'ls **', 'stat **', 'file **', 'cat **', 'tac **', 'head **', 'tail **', 'grep **', 'egrep **', 'fgrep **', 'zgrep **',
  'zcat **', 'bzcat **', 'xzcat **', 'wc **', 'du **', 'find **', 'sort **', 'uniq', 'uniq -*', 'uniq -* -*', 'cut **', 'tr **',
  'column **', 'nl **', 'fold **', 'comm **', 'diff **', 'cmp **', 'strings **', 'od **', 'echo **', 'printf **', 'true', 'false',
  'test **', '[ **', '[[ **', 'exit', 'exit *', 'which **', 'whereis **', 'command -v *', 'getent **', 'pwd', 'jq **', 'seq **', 'sleep *',
  'journalctl **', 'dmesg **', 'vmstat **', 'iostat **', 'mpstat **', 'sar **', 'pgrep **', 'pidof **', 'lsof **', 'env', 'printenv **',
  'nproc **', 'arch', 'readlink **', 'realpath **', 'basename **', 'dirname **', 'md5sum **', 'sha1sum **', 'sha256sum **', 'sha512sum **',
  'tree **', 'top -b **', 'getconf **', 'locale **', 'findmnt **', 'mount', 'lsmod', 'modinfo **', 'lspci **', 'lsusb **',
  'sysctl -a', 'sysctl -n *', 'sysctl *',
  'systemctl status **', 'systemctl show **', 'systemctl cat **', 'systemctl list-units **', 'systemctl list-unit-files **',
  'systemctl list-timers **', 'systemctl list-sockets **', 'systemctl list-dependencies **', 'systemctl is-active **',
  'systemctl is-enabled **', 'systemctl is-failed **', 'systemctl --failed **', 'systemctl --no-pager **', 'systemctl -l **',
  'service * status', 'timedatectl', 'timedatectl status', 'timedatectl show **', 'hostnamectl', 'hostnamectl status **',
  'loginctl list-sessions **', 'loginctl list-users **', 'systemd-analyze', 'systemd-analyze blame **', 'systemd-analyze critical-chain **',
  'systemd-analyze time', 'ip addr **', 'ip a **', 'ip address **', 'ip link **', 'ip l **', 'ip route **', 'ip r **', 'ip neigh **',
  'ip -* **', 'ifconfig', 'ifconfig *', 'dig **', 'host **', 'nslookup *', 'ping -c * **', 'tracepath **',
  'docker ps **', 'docker logs **', 'docker inspect **', 'docker stats --no-stream **', 'docker images **',
  'crontab -l **', 'apt list **', 'apt-cache **', 'dpkg -l **', 'dpkg -L **', 'dpkg -s **', 'rpm -q*', 'rpm -q* **',
];

/** Options of allowed read commands that change something. */
const READ_ONLY_DENIES: { pattern: string; reason: string }[] = [
  { pattern: 'find ** -delete **', reason: 'find -delete removes files' },
  { pattern: 'find ** -fprint* **', reason: 'find -fprint writes a file' },
  { pattern: 'find ** -fls **', reason: 'find -fls writes a file' },
  { pattern: 'sort ** -o* **', reason: 'sort -o writes a file' },
  { pattern: 'sort ** --output* **', reason: 'sort --output writes a file' },
  { pattern: 'journalctl ** --vacuum* **', reason: 'journalctl --vacuum deletes journal files' },
  { pattern: 'journalctl ** --rotate **', reason: 'journalctl --rotate changes the journal' },
  { pattern: 'journalctl ** --flush **', reason: 'journalctl --flush changes the journal' },
  { pattern: 'journalctl ** --relinquish-var **', reason: 'journalctl --relinquish-var changes the journal' },
  { pattern: 'journalctl ** --setup-keys **', reason: 'journalctl --setup-keys writes keys' },
  { pattern: 'dmesg ** -c **', reason: 'dmesg -c clears the kernel ring buffer' },
  { pattern: 'dmesg ** -C **', reason: 'dmesg -C clears the kernel ring buffer' },
  { pattern: 'dmesg ** --clear **', reason: 'dmesg --clear clears the kernel ring buffer' },
  { pattern: 'dmesg ** --read-clear **', reason: 'dmesg --read-clear clears the kernel ring buffer' },
  { pattern: 'dmesg ** -D **', reason: 'dmesg -D changes console logging' },
  { pattern: 'dmesg ** -E **', reason: 'dmesg -E changes console logging' },
  { pattern: 'dmesg ** -n **', reason: 'dmesg -n changes console logging' },
  { pattern: 'date ** -s **', reason: 'date -s sets the clock' },
  { pattern: 'date ** --set* **', reason: 'date --set sets the clock' },
  { pattern: 'sysctl ** -w **', reason: 'sysctl -w changes kernel settings' },
  { pattern: 'sysctl ** -p* **', reason: 'sysctl -p loads kernel settings' },
  { pattern: 'sysctl ** --write **', reason: 'sysctl --write changes kernel settings' },
  { pattern: 'sysctl ** *=* **', reason: 'sysctl key=value changes kernel settings' },
  { pattern: 'ip ** add **', reason: 'ip … add changes networking' },
  { pattern: 'ip ** del **', reason: 'ip … del changes networking' },
  { pattern: 'ip ** delete **', reason: 'ip … delete changes networking' },
  { pattern: 'ip ** change **', reason: 'ip … change changes networking' },
  { pattern: 'ip ** replace **', reason: 'ip … replace changes networking' },
  { pattern: 'ip ** flush **', reason: 'ip … flush changes networking' },
  { pattern: 'ip ** set **', reason: 'ip … set changes networking' },
  { pattern: 'ip ** append **', reason: 'ip … append changes networking' },
  { pattern: 'ip netns **', reason: 'ip netns changes namespaces' },
  { pattern: 'tree ** -o **', reason: 'tree -o writes a file' },
  { pattern: 'file ** -C **', reason: 'file -C writes a magic file' },
  { pattern: 'systemctl ** start **', reason: 'starting units changes the system' },
  { pattern: 'systemctl ** stop **', reason: 'stopping units changes the system' },
  { pattern: 'systemctl ** restart **', reason: 'restarting units changes the system' },
  { pattern: 'systemctl ** reload **', reason: 'reloading units changes the system' },
  { pattern: 'systemctl ** kill **', reason: 'systemctl kill signals processes' },
  { pattern: 'systemctl ** enable **', reason: 'enabling units changes the system' },
  { pattern: 'systemctl ** disable **', reason: 'disabling units changes the system' },
  { pattern: 'systemctl ** mask **', reason: 'masking units changes the system' },
  { pattern: 'systemctl ** reboot **', reason: 'systemctl reboot restarts the host' },
  { pattern: 'systemctl ** poweroff **', reason: 'systemctl poweroff stops the host' },
  { pattern: 'systemctl ** isolate **', reason: 'systemctl isolate changes the target' },
  { pattern: 'systemctl ** edit **', reason: 'systemctl edit changes unit files' },
  { pattern: 'systemctl ** set-* **', reason: 'systemctl set-… changes the system' },
  { pattern: 'systemctl ** daemon-* **', reason: 'systemctl daemon-… reloads the manager' },
];

/** Service verbs operators may run; read-only users may not. */
const SERVICE_VERBS = ['start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'kill'];
const isServiceControl = (pattern: string) => SERVICE_VERBS.some((v) => pattern === `systemctl ** ${v} **`);

export const BUILTIN_PROFILES: Record<string, ProfileConfig> = {
  'read-only': {
    description: 'Diagnostics that change nothing: uptime, df, free, ps, ss, journalctl, systemctl status, cat/tail/grep of logs. No writes.',
    rules: [...READ_ONLY_COMMANDS.map((allow) => ({ allow })), ...READ_ONLY_DENIES.map(({ pattern, reason }) => ({ deny: pattern, reason }))],
  },
  operator: {
    description: 'read-only plus service control; destructive, package-changing and other high-risk commands require approval.',
    rules: [
      ...READ_ONLY_COMMANDS.map((allow) => ({ allow })),
      // What read-only denies outright, an operator may do with approval — except service control, which operators just do.
      ...READ_ONLY_DENIES.filter(({ pattern }) => !isServiceControl(pattern)).map(({ pattern, reason }) => ({ approve: pattern, reason: `${reason}; needs approval` })),
      ...SERVICE_VERBS.map((verb) => ({ allow: `systemctl ${verb} **` })),
      { allow: 'systemctl daemon-reload' },
      ...['restart', 'start', 'stop', 'reload'].map((verb) => ({ allow: `service * ${verb}` })),
      { allow: 'kill **' }, { allow: 'pkill **' },
      ...['restart', 'start', 'stop'].map((verb) => ({ allow: `docker ${verb} **` })),
      { allow: 'mkdir **' }, { allow: 'touch **' },
      { allow: { write: '/tmp/**' } },
      { approve: { write: '**' }, except: ['/tmp/**'], reason: 'writing files outside /tmp needs approval' },
      { approve: { risk: 'high' }, reason: 'high-risk commands (packages, users, firewall, power, disks, recursive deletes) need approval' },
      ...['rm', 'mv', 'cp', 'ln', 'chmod', 'chown', 'chgrp', 'tee', 'truncate', 'install', 'rsync'].map((cmd) => ({ approve: `${cmd} **`, reason: `${cmd} changes files; needs approval` })),
      { approve: 'sed -i*', reason: 'sed -i edits files; needs approval' },
      { approve: 'sed -i* **', reason: 'sed -i edits files; needs approval' },
      { approve: 'sed --in-place* **', reason: 'sed --in-place edits files; needs approval' },
      { deny: 'rm ** / **', reason: 'removing / is never run through the gateway' },
      { deny: 'rm ** /* **', reason: 'removing a top-level directory (or everything under /) is never run through the gateway' },
      { deny: 'rm ** --no-preserve-root **', reason: 'rm --no-preserve-root is never run through the gateway' },
    ],
  },
  unrestricted: {
    description: 'Everything that parses, including what the policy cannot analyse (loops, functions, eval). For trusted admins and benchmarks; never a default.',
    unanalyzable: 'allow',
    rules: [{ allow: '* **' }, { allow: { write: '**' } }],
  },
};
