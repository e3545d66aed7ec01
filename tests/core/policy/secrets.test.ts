import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../../src/core/policy/engine.js';
import { secretFile, secretTree } from '../../../src/core/policy/secrets.js';
import { staticWord, type Word } from '../../../src/core/policy/shell-syntax.js';
import { engine, policyFleet, userWith } from '../../support/policy.js';

const glob = (value: string): Word => ({ text: value, value, glob: true });

describe('secret files', () => {
  it.each([
    '/etc/shadow',
    '/etc/gshadow-',
    '/var/backups/shadow.bak',
    '/etc/ssh/ssh_host_ed25519_key',
    '/root/.ssh/authorized_keys',
    '~/.ssh/id_rsa',
    '.ssh/config',
    '/home/ann/.aws/credentials',
    '/etc/ssl/private/server.key',
    '/var/log/../../etc/shadow',
    '/srv/gateway/fleet.yaml',
    '/srv/gateway/.data/db',
  ])('%s is a secret', (path) => {
    expect(secretFile(staticWord(path))).toBeDefined();
  });

  it.each([
    '/etc/passwd',
    '/etc/ssh/sshd_config',
    '/etc/ssh/ssh_host_ed25519_key.pub',
    '/var/log/syslog',
    '/proc/meminfo',
  ])('%s is not', (path) => {
    expect(secretFile(staticWord(path))).toBeUndefined();
  });

  it('judges a pattern by what it could match, as bash globs it (* skips dot files)', () => {
    expect(secretFile(glob('/etc/sha*'))).toContain('shadow');
    expect(secretFile(glob('/etc/[gs]shadow'))).toBeDefined();
    expect(secretFile(glob('/root/.s*/*'))).toContain('.ssh');
    expect(secretFile(glob('/home/*/.ssh/id_*'))).toBeDefined();
    expect(secretFile(glob('/var/log/*.log'))).toBeUndefined();
    // A bare * could match a key file by name; write the pattern out (`*.log`).
    expect(secretFile(glob('/var/log/*'))).toBeDefined();
  });

  it('a file named at run time is safe only when its last component is written out', () => {
    expect(secretFile({ text: '"/proc/$PPID/status"', glob: false })).toBeUndefined();
    expect(secretFile({ text: '"/proc/$(pgrep -o nginx)/status"', glob: false })).toBeUndefined();
    // Any other run-time part could be any directory: ~sys is /dev, $'dev' is dev.
    expect(secretFile({ text: '"/proc/$pid/status"', glob: false })).toMatch(/write the path out/);
    expect(secretFile({ text: '~sys/sda1', glob: false })).toMatch(/another user's home/);
    expect(secretFile({ text: "/$'dev'/sda", glob: false })).toMatch(/partly at run time/);
    expect(secretFile({ text: '"$HOME"/.ssh/id_rsa', glob: false })).toBeDefined();
    expect(secretFile({ text: '"$f"', glob: false })).toBeDefined();
  });

  it('a recursive read stays under trees of logs and system files', () => {
    for (const tree of [
      '/',
      '/etc',
      '/etc/nginx',
      '/root',
      '/var',
      '/var/lib',
      '/opt/app',
      '/proc/self/root/etc',
      '/var/run/../etc',
      '.',
      'logs',
    ])
      expect(secretTree(staticWord(tree)), tree).toBeDefined();
    for (const tree of ['/var/log', '/var/log/nginx/', '/usr/share/doc', '/proc/sys/net'])
      expect(secretTree(staticWord(tree)), tree).toBeUndefined();
  });
});

describe('reading a secret is denied under every profile', () => {
  let policy: PolicyEngine;
  beforeAll(async () => {
    policy = await engine();
  });
  const fleet = policyFleet();
  const host = fleet.hosts[0];
  const decide = (profile: string, command: string) => {
    if (!host) throw new Error('no host');
    return policy.decide({ fleet, user: userWith(profile), host }, command);
  };

  it.each([
    'cat /etc/shadow',
    'sudo cat /etc/shadow',
    'head -c 100 /root/.ssh/id_ed25519',
    'cat < /etc/shadow',
    'echo "$(< /etc/gshadow)"',
    'grep root /etc/sha*',
    'grep -r BEGIN /etc',
    'grep -r BEGIN .',
    'find / -name id_rsa -exec cat {} +',
    'tail -n1 /var/log/../../etc/shadow',
    'getent shadow',
    'sort --files0-from=/etc/shadow',
    // A seventh review: bracket classes, home paths, /proc links, -exec before -name, places
    // that hold keys under any name, raw disks.
    'cat /etc/[[:alpha:]]hadow',
    'cat /etc/[]s]hadow',
    'cat /etc/[[.s.]]hadow',
    'cat /root/.[[:lower:]]sh/authorized_keys',
    'cat ~/.aws/credentials',
    'cat "$HOME/.aws/credentials"',
    'cat ~root/.ssh/config',
    'cat "$HOME"/.ssh/authorized_keys',
    'grep -r root: /proc/self/root/etc',
    'grep -r x /proc/self/cwd',
    'grep -rs root: /var/run/../etc',
    'find /proc/self/root/etc -maxdepth 1 -name "sha*" -exec cat {} +',
    'find /var/run/../etc -maxdepth 1 -name "gsh*" -exec cat {} +',
    "find /etc -exec cat {} + -name 'zz.conf'",
    'find /etc -name "[[:alpha:]]*" -exec cat {} +',
    'grep -r PRIVATE /var/lib',
    'find /var/lib -type f -exec cat {} +',
    'cat /etc/letsencrypt/live/example.com/privkey.pem',
    'grep -a "^root:" /dev/sda1',
    'cat /etc/security/opasswd',
    'cat /proc/1/environ',
    'cat /proc/1/task/1/environ',
    "grep -r '' /usr/lib/ssl/private/",
    'find /usr/lib/ssl/private/ -type f -exec cat {} +',
    // A third review: a name filter does not keep find out of places with keys under any name.
    "find /etc -name 'ssl-cert-snakeoil*' -exec cat {} +",
    'find /var/lib -name authorized_keys -exec cat {} +',
    // Wrappers that change directory: relative reads land where they run.
    'env -C /proc/1 cat environ',
    'env --chdir=/root/.ssh cat authorized_keys',
    'sudo chroot / cat proc/1/environ',
    'base64 ~/.ssh/id_rsa',
    // A fifth review: a closed descriptor hides the next word, xargs reads a file, a directory
    // change carries into bash -c and find -exec, -execdir runs anywhere, histories, btmp.
    'cat 2>&- /etc/shadow',
    'xargs -a /etc/shadow',
    'xargs -0a /etc/ssh/ssh_host_ed25519_key echo',
    'env -C /etc/ssl/private bash -c "cat server.pem"',
    'chroot / bash -c "cat proc/1/environ"',
    'env -C / find /dev/null -exec cat proc/1/environ \\;',
    'find /proc -maxdepth 0 -execdir cat proc/1/environ \\;',
    'env -C /root/.ssh bash -c "cat < id_rsa"',
    'env -C "$X" cat environ',
    'last -f /var/log/btmp',
    'cat /root/.bash_history',
    'cat /etc/wireguard/wg0.conf',
    // A seventh review: run-time parts of a path that name a directory.
    'grep -a root: ~sys/sda1',
    "cat /$'dev'/sda",
    'cat "/root/.s${x}sh/authorized_keys"',
    "cat /$'proc'/1/environ",
    'cat /proc/kmsg',
    // The gateway's spool on the host: other commands' output.
    'cat ~/.smg-spool/0123abcd-x.out',
    'tail -c +1 .smg-spool/*.out',
    // A pattern after ~ or $HOME is still a pattern (a review found these allowed).
    'cat ~/.smg?spool/*.out',
    'head -c 100000 ~/.[s]mg-spool/*',
    'cat "$HOME"/.smg?spool/x.out',
    'base64 ~/.smg?spool/*.out',
    'cat ~/.s*/authorized_keys',
  ])('%s', (command) => {
    for (const profile of ['read-only', 'operator', 'unrestricted']) {
      const d = decide(profile, command);
      expect(d.decision, `${profile}: ${d.reason}`).toBe('deny');
      expect(d.reason).toMatch(/secret|shadow|cannot be checked/);
    }
  });

  it.each([
    'rm -rf ~/.smg-spool',
    'rm ~/.smg-spool/0123abcd-x.status',
    'echo 0 > ~/.smg-spool/0123abcd-x.status',
    'echo x >> "$HOME/.smg-spool/0123abcd-x.out"',
    'touch /home/*/.smg-spoo?/x.pid',
    'echo 0 > ~/.smg?spool/x.status',
    'touch ~/.smg*/x',
    'cd ~/.smg?spool && echo 0 > NAME.status',
  ])('writing the gateway’s spool is denied under every profile: %s', (command) => {
    for (const profile of ['read-only', 'operator', 'unrestricted']) {
      const d = decide(profile, command);
      expect(d.decision, `${profile}: ${d.reason}`).toBe('deny');
    }
    expect(decide('unrestricted', command).reason).toMatch(/gateway's spool|secret/);
  });

  it('everyday reads under places that hold no secrets stay allowed', () => {
    for (const command of [
      'grep -r error /var/log',
      'find /var/log -name "*.log" -exec tail -n 1 {} +',
      'cat /etc/passwd',
      'ls -la /root/.ssh',
      'cat "/proc/$PPID/status"',
    ]) {
      const d = decide('read-only', command);
      expect(d.decision, `${command}: ${d.reason}`).toBe('allow');
    }
  });

  it('find with a filter that could still match a secret, or negated, is denied', () => {
    for (const command of [
      'find /etc -name "*shadow*" -exec cat {} +',
      'find /etc ! -name "*.conf" -exec cat {} +',
      'find /etc -name "*.conf" -o -name x -exec cat {} +',
      'find -L /var/log -exec cat {} +',
    ])
      expect(decide('read-only', command).decision, command).toBe('deny');
  });
});
