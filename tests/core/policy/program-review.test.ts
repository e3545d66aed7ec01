import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../../src/core/policy/engine.js';
import { READ_ONLY_PROGRAMS } from '../../../src/core/policy/builtin-profiles.js';
import { PROGRAMS } from '../../../src/core/policy/programs/index.js';
import { engine, policyFleet, userWith } from '../../support/policy.js';

/**
 * What the security review found allowed under read-only (options that write, run or load;
 * abbreviations; names that are paths) and what operators could do without approval.
 */
describe('program specs close what the review found', () => {
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

  it('every program the built-in profiles name has a spec', () => {
    const missing = [...READ_ONLY_PROGRAMS, 'kill', 'pkill', 'mkdir', 'touch', 'top'].filter(
      (name) => !PROGRAMS.has(name),
    );
    expect(missing).toEqual([]);
    for (const name of ['rm', 'mv', 'cp', 'ln', 'chmod', 'chown', 'tee', 'rsync', 'sed'])
      expect(PROGRAMS.has(name), name).toBe(true);
  });

  it.each([
    ['sort -o /tmp/x /etc/hosts', /writes \/tmp\/x/],
    ['sort -uo/tmp/x /etc/hosts', /writes \/tmp\/x/],
    ['sort --outp=/tmp/x /etc/hosts', /in full/],
    ['sort --compress-program=sh /etc/hosts', /runs a program/],
    ['time -o /tmp/x uptime', /writes \/tmp\/x/],
    ['ss -D /tmp/x', /writes \/tmp\/x/],
    ['tree -o /tmp/x', /no rule/],
    ['file -C -m /tmp/m', /magic/],
    ['LD_DEBUG_OUTPUT=/tmp/x uptime', /LD_DEBUG_OUTPUT/],
    ["rpm --eval '%(touch /tmp/x)'", /rpm/],
    ['apt-cache --pkg-cache=/tmp/x policy', /apt-cache/],
    ['ip a a 10.0.0.9/32 dev lo', /risk high/],
    ['ip l s lo down', /risk high/],
    ['service ../../usr/bin/touch status', /no \//],
    ['systemctl start poweroff.target', /risk high/],
    ['kill -9 -1', /no rule/],
    ['fold -w 8 /etc/ssh/ssh_host_ed25519_key', /secret/],
    ['dmesg -C', /risk high/],
    ['journalctl --vacuum-size=1K', /risk high/],
    ['hostname renamed', /risk high/],
    ['date -s 10:00', /risk high/],
    ['sysctl -w vm.swappiness=1', /risk high/],
    ['uniq /etc/hosts /tmp/x', /writes \/tmp\/x/],
    // A seventh review: a host name ss looks up, a service name the script splits.
    ['ss -tn dst exfil-data.example.com', /DNS/],
    ["service 'nginx -H attacker.example.com x' status", /not a service name/],
    ["service 'reboot.target ssh' start", /not a service name/],
    ['file -z /var/log/syslog.2.gz', /decompressor/],
    // An eighth review: operands dpkg-deb prints as paths, filters and file lists read unseen,
    // process environments, sysctl names that climb out of /proc/sys.
    ['sudo dpkg -I /var/cache/apt/archives/x.deb ../../etc/shadow', /unpacks control files/],
    ["echo 'dst x.example' | ss -F -", /filter from a file/],
    ['sudo ps axeww', /no option e/],
    ['ps -auxe', /BSD letters/],
    ['ps -eo pid,environ', /environments/],
    ["echo '0  /dev/watchdog' | sudo md5sum -c", /files a list names/],
    ["sudo sysctl -n 'kernel.//.//.//.etc.shadow'", /not a setting name/],
    // A tenth review: ps falling back to BSD letters, time zones and catalogs that are paths,
    // patterns a program expands itself, temporary files, libblkid's cache, test managers.
    ['ps -e -x', /BSD letters/],
    ['ps -eT --forest', /BSD letters/],
    ['ps -e -aux', /BSD letters/],
    ['ss -tn exfil.example.com', /DNS/],
    ['systemd-analyze security --offline=yes nginx.service', /test service manager/],
    ['docker info', /plugin/],
    ['findmnt -s -o SOURCE,UUID', /libblkid/],
    ['apt list --upgradable', /no rule/],
    // A sixteenth review: words xargs appends after --, -I replacements, several -a files,
    // a nested bash without PATH, timeout --foreground, priority raised under sudo.
    ['echo reboot | xargs systemctl --', /sub-command known only at run time/],
    ['echo /etc/shadow | xargs cat --', /run time/],
    ['echo /etc/shadow | xargs -I Q cat -- Q', /run time/],
    ['xargs -a /etc/hostname -a /etc/shadow wc -c --', /shadow/],
    ["env -i bash -c 'rpm -qa'", /without PATH/],
    ["exec -c bash -c 'ls'", /without PATH/],
    ['timeout --foreground 1 ls', /foreground/],
    ['sudo nice -n -20 ls', /negative adjustment/],
    ['sudo ionice -c 1 ls', /real time/],
    ['cat -- /etc/{shadow,x}', /run time/],
    ['ps -He -T', /BSD letters/],
    ['sudo env TZ=/dev/watchdog date', /not a locale or time-zone name/],
    ['env LANGUAGE=../../../../tmp/x ls /nonexist', /not a locale or time-zone name/],
    [`date -d 'TZ="/dev/watchdog" now'`, /time zone that is a path/],
    ["journalctl --file='/de?/watchdog'", /could match \/dev\/watchdog/],
    ['sort -S 64M /var/log/syslog', /no option -S/],
    ['timeout -s KILL 50 sort /dev/zero', /endless device/],
    ['sudo findmnt UUID=nope', /libblkid/],
    ['systemd-analyze condition ConditionPathExists=/x', /test service manager/],
    ['zgrep -f /dev/null x /var/log/syslog', /pattern file into \/tmp/],
  ])('read-only denies %s', (command, why) => {
    const d = decide('read-only', command);
    expect(d.decision, d.reason).toBe('deny');
    expect(d.reason).toMatch(why);
  });

  it.each([
    'systemctl start poweroff.target',
    'systemctl isolate rescue.target',
    'systemctl reboot',
    'init 0',
    'telinit 6',
    'kill -1',
    'kill -9 -1',
    'sysctl -w net.ipv4.ip_forward=1',
    'sysctl net.ipv4.ip_forward=1',
    'iptables -F',
    'useradd eve',
    'apt-get install -y htop',
    'mkfs.ext4 /dev/sdb1',
    'ip route add default via 10.0.0.1',
    // A seventh review: PID 1 by signal, firewall, package and kernel units by service control.
    'pkill -o --signal=INT systemd',
    'pkill -x --signal=RTMIN+4 systemd',
    'systemctl stop nftables',
    'service ufw stop',
    'systemctl start apt-daily-upgrade.service',
    'systemctl restart systemd-sysctl',
    'pkill -f --signal=INT deserialize',
    'systemctl stop systemd-cryptsetup@data',
    'systemctl start logrotate',
    'systemctl stop shorewall',
    // A ninth review: case-blind patterns, aliases and units that remove files or open shells.
    'pkill -i --signal=RTMIN+4 SYSTEMD',
    'systemctl restart procps',
    'systemctl stop fail2ban',
    'systemctl restart systemd-tmpfiles-setup',
    'systemctl start systemd-growfs-root',
    'systemctl start debug-shell',
    'systemctl stop networking',
    'service networking stop',
    'systemctl stop auditd',
    'systemctl restart tuned',
    // A fifteenth review: journal rotation vacuums, D-Bus aliases, module loading, sessions,
    // logins through sshd, daemons signalled by name.
    'journalctl --rotate',
    'systemctl stop dbus-org.freedesktop.network1',
    'systemctl start modprobe@sctp.service',
    'systemctl stop systemd-user-sessions',
    'systemctl stop user-runtime-dir@0',
    'systemctl stop ssh',
    'systemctl kill -s STOP nginx',
    'pkill -x sshd',
    'pkill -x firewalld',
    'systemctl stop rsyslog',
    'systemctl stop chrony',
    'echo pwned | xargs hostname --',
    'echo /etc/x | xargs touch --',
  ])('operator needs approval for %s', (command) => {
    const d = decide('operator', command);
    expect(d.decision, d.reason).toBe('approval_required');
  });

  it('operator controls services and signals single processes without approval', () => {
    for (const command of [
      'systemctl restart nginx',
      'sudo systemctl reload nginx',
      'service nginx restart',
      'kill -HUP 1234',
      'pkill --signal=HUP -x nginx',
      'journalctl --flush',
    ]) {
      const d = decide('operator', command);
      expect(d.decision, `${command}: ${d.reason}`).toBe('allow');
    }
  });

  it('matches rules against the canonical argv too: an abbreviated sub-command is caught', () => {
    const strict = policyFleet({
      profiles: {
        'no-addr-add': {
          extends: 'operator',
          rules: [{ deny: 'ip address add **', reason: 'no address changes here' }],
        },
      },
    });
    const h = strict.hosts[0];
    if (!h) throw new Error('no host');
    const d = policy.decide(
      { fleet: strict, user: userWith('no-addr-add'), host: h },
      'ip a a 10.0.0.9/32 dev lo',
    );
    expect(d).toMatchObject({
      decision: 'deny',
      reason: expect.stringMatching(/no address changes/),
    });
  });

  it('reads docker container VERB as docker VERB, so a rule on one catches the other', () => {
    const strict = policyFleet({
      profiles: { 'no-stop': { extends: 'operator', rules: [{ deny: 'docker stop **' }] } },
    });
    const h = strict.hosts[0];
    if (!h) throw new Error('no host');
    const d = policy.decide(
      { fleet: strict, user: userWith('no-stop'), host: h },
      'docker container stop web',
    );
    expect(d.decision).toBe('deny');
    expect(d.commands[0]?.grammar).toBe('spec: docker stop web');
  });

  it('says in the plan whether a spec or only a pattern backed the decision', () => {
    const custom = policyFleet({
      profiles: { web: { extends: 'read-only', rules: [{ allow: 'nginx -t' }] } },
    });
    const h = custom.hosts[0];
    if (!h) throw new Error('no host');
    const d = policy.decide(
      { fleet: custom, user: userWith('web'), host: h },
      'nginx -t && sort -u /etc/hosts',
    );
    expect(d.decision).toBe('allow');
    expect(d.commands.map((c) => c.grammar)).toEqual([
      expect.stringMatching(/^no spec: /),
      'spec: sort --unique /etc/hosts',
    ]);
  });
});
