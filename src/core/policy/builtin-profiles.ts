import type { ProfileConfig, RuleConfig } from './policy-config.js';

/**
 * The profiles every fleet has; config can extend them. Deny beats approve beats allow, and a
 * command no rule allows is denied. docs/policy.md lists these rules for people.
 */

/**
 * Programs read-only allows, each read by its spec (programs/): an option outside the spec
 * denies, and whatever an option or sub-command changes has a risk of medium or more, which
 * read-only denies. Wrappers (sudo, env, nice, timeout, …) are unwrapped to what they run.
 */
export const READ_ONLY_PROGRAMS = [
  // the host
  'uptime',
  'uname',
  'hostname',
  'date',
  'nproc',
  'lscpu',
  'free',
  'vmstat',
  'lsblk',
  'findmnt',
  'mount',
  'df',
  'lsmod',
  'sysctl',
  'dmesg',
  // people and processes
  'id',
  'whoami',
  'w',
  'who',
  'last',
  'getent',
  'ps',
  'pgrep',
  'pidof',
  // network
  'ss',
  'ip',
  // services and logs
  'systemctl',
  'service',
  'journalctl',
  'timedatectl',
  'hostnamectl',
  'loginctl',
  'systemd-analyze',
  // files
  'ls',
  'stat',
  'du',
  'file',
  'readlink',
  'realpath',
  'basename',
  'dirname',
  'cat',
  'head',
  'tail',
  'grep',
  'egrep',
  'fgrep',
  'zcat',
  'zgrep',
  'wc',
  'sort',
  'uniq',
  'cut',
  'tr',
  'md5sum',
  'sha256sum',
  // packages and containers
  'dpkg',
  'rpm',
  'crontab',
  'docker',
  // the shell's own
  'echo',
  'printf',
  'true',
  'false',
  'test',
  '[',
  '[[',
  'pwd',
  'sleep',
  'exit',
  'printenv',
  'which',
];

/** Each program of the list, up to `maxRisk` (read-only: low; operator: any, approval above). */
const programRules = (maxRisk?: 'low'): RuleConfig[] =>
  [...READ_ONLY_PROGRAMS, 'find'].map((program) => ({
    allow: `${program} **`,
    ...(maxRisk ? { maxRisk } : {}),
  }));
const WRAPPERS_ALONE: RuleConfig[] = [{ allow: 'env' }, { allow: 'command -v *' }];

export const BUILTIN_PROFILES: Record<string, ProfileConfig> = {
  'read-only': {
    description:
      'Diagnostics that change nothing: uptime, df, free, ps, ss, journalctl, systemctl status, cat/tail/grep of logs. No writes, no programs run, no code loaded, nothing sent out.',
    rules: [...programRules('low'), ...WRAPPERS_ALONE],
  },
  operator: {
    description:
      'read-only plus service control, signals and files under /tmp; power, kernel settings, networking, firewall, users, packages, disks and file changes elsewhere require approval.',
    rules: [
      ...programRules(),
      ...WRAPPERS_ALONE,
      // Small writes read-only refuses: top -b creates ~/.config/procps when it is missing;
      // apt and apt-cache rebuild a stale package cache in /var/cache/apt as root.
      ...['top', 'apt', 'apt-cache'].map((program) => ({ allow: `${program} **` })),
      { allow: 'kill **' },
      { allow: 'pkill **' },
      { allow: 'mkdir **' },
      { allow: 'touch **' },
      { allow: { write: '/tmp/**' } },
      {
        approve: { write: '**' },
        except: ['/tmp/**'],
        reason: 'writing files outside /tmp needs approval',
      },
      {
        approve: { risk: 'high' },
        reason:
          'high-risk commands need approval: power and runlevel (reboot, init 0, systemctl start poweroff.target, kill -1), kernel settings (sysctl -w), networking (ip … add), the clock and hostname, firewall, users, packages, disks, enabling or masking units, clearing logs, recursive deletes',
      },
      ...[
        'rm',
        'mv',
        'cp',
        'ln',
        'chmod',
        'chown',
        'chgrp',
        'tee',
        'truncate',
        'install',
        'rsync',
      ].map((cmd) => ({ approve: `${cmd} **`, reason: `${cmd} changes files; needs approval` })),
      { approve: 'sed -i*', reason: 'sed -i edits files; needs approval' },
      { approve: 'sed -i* **', reason: 'sed -i edits files; needs approval' },
      { approve: 'sed --in-place* **', reason: 'sed --in-place edits files; needs approval' },
      { deny: 'rm ** / **', reason: 'removing / is never run through the gateway' },
      {
        deny: 'rm ** /* **',
        reason:
          'removing a top-level directory (or everything under /) is never run through the gateway',
      },
      {
        deny: 'rm ** --no-preserve-root **',
        reason: 'rm --no-preserve-root is never run through the gateway',
      },
    ],
  },
  unrestricted: {
    description:
      'Everything that parses, including what the policy cannot analyse (loops, functions, eval). For trusted admins and benchmarks; never a default.',
    unanalyzable: 'allow',
    rules: [{ allow: '* **' }, { allow: { write: '**' } }],
  },
};
