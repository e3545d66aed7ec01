import { describe, expect, it } from 'vitest';
import {
  judgeProgram,
  parseOptionSyntax,
  type ProgramJudgement,
} from '../../../../src/core/policy/program-spec.js';
import { SPECS } from '../../../../src/core/policy/programs/systemd.js';
import {
  glob,
  ok,
  problem,
  specsOf,
  values,
  word,
  expectWellFormed,
} from '../../../support/program-spec.js';
import { dynamicWord, type Word } from '../../../../src/core/policy/shell-syntax.js';

const { spec, line } = specsOf(SPECS);

/** Judges `name args…`; plain strings are static (quoted) words. */
const judge = (name: string, ...args: (string | Word)[]): ProgramJudgement =>
  judgeProgram(spec(name), args.map(word));

/** An unquoted pattern, which the shell expands. */

const risk = (text: string) => ok(line(text)).risk;

describe('systemd specs', () => {
  it('specify exactly the programs of the group', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual([
      'hostnamectl',
      'journalctl',
      'loginctl',
      'service',
      'systemctl',
      'systemd-analyze',
      'timedatectl',
    ]);
  });

  it('write every option as --help does, each once, with a why', () => {
    expectWellFormed(SPECS);
  });

  it('list every sub-command in a way that parses', () => {
    for (const s of SPECS) {
      for (const name of Object.keys(s.subcommands ?? {})) {
        const j = judge(s.name, name, '--version');
        if (!j.ok) expect(j.problem).not.toMatch(/no option|no sub-command/);
      }
    }
  });

  /** The tables are upstream's (systemd 257 systemctl.c and journalctl.c `struct option`). */
  it('list only long options the program has', () => {
    const real: Record<string, string> = {
      systemctl:
        'help version type property all reverse after before show-types failed full job-mode fail ' +
        'irreversible ignore-dependencies ignore-inhibitors check-inhibitors value user system global ' +
        'wait no-block legend no-legend no-pager no-wall dry-run quiet no-warn root image image-policy ' +
        'force no-reload kill-whom kill-value signal no-ask-password host machine runtime lines output ' +
        'plain state recursive with-dependencies preset-mode firmware-setup boot-loader-menu ' +
        'boot-loader-entry now message show-transaction what reboot-argument timestamp read-only mkdir ' +
        'marked drop-in when stdin',
      journalctl:
        'help version no-pager pager-end follow force output all full no-full lines truncate-newline ' +
        'no-tail new-id128 quiet merge this-boot boot list-boots list-invocations dmesg system user ' +
        'directory file root image image-policy header identifier exclude-identifier priority facility ' +
        'grep case-sensitive setup-keys interval verify verify-key disk-usage cursor cursor-file ' +
        'after-cursor show-cursor since until unit user-unit invocation field fields catalog ' +
        'list-catalog dump-catalog update-catalog reverse machine utc flush relinquish-var ' +
        'smart-relinquish-var sync rotate vacuum-size vacuum-files vacuum-time no-hostname ' +
        'output-fields namespace list-namespaces synchronize-on-exit',
    };
    for (const [name, table] of Object.entries(real)) {
      const listed = (spec(name).options ?? []).flatMap((g) =>
        g.options.map((t) => parseOptionSyntax(t).long).filter((l) => l !== undefined),
      );
      for (const l of listed) expect(table.split(' '), `${name} --${l}`).toContain(l);
    }
  });
});

describe('systemctl', () => {
  it('reads status, listings and properties at low risk', () => {
    for (const text of [
      'systemctl',
      'systemctl --failed',
      'systemctl status nginx',
      'systemctl --no-pager status nginx -l',
      'systemctl status nginx.service -n 50 --no-pager',
      'systemctl status 1234',
      'systemctl list-units --type=service --state=running',
      'systemctl list-unit-files --state=enabled',
      'systemctl list-timers --all',
      'systemctl list-sockets',
      'systemctl list-dependencies --reverse sshd.service',
      'systemctl list-jobs',
      'systemctl show nginx -p MainPID --value',
      'systemctl show -P ActiveState nginx',
      'systemctl cat nginx',
      'systemctl is-active nginx',
      'systemctl is-enabled nginx',
      'systemctl is-failed nginx',
      'systemctl is-system-running',
      'systemctl get-default',
      'systemctl show-environment',
      'systemctl log-level',
      'systemctl --user status',
    ]) {
      const j = ok(line(text));
      expect(j.risk, text).toBe('low');
      expect(j.writes, text).toEqual([]);
    }
    // A quoted pattern is one word, which systemctl matches against loaded units.
    expect(ok(judge('systemctl', 'status', 'nginx*')).risk).toBe('low');
  });

  it('runs list-units when no verb is given, and puts global options after the verb', () => {
    expect(values(ok(line('systemctl --failed')).canonical)).toEqual(['list-units', '--failed']);
    expect(values(ok(line('systemctl -l status nginx')).canonical)).toEqual([
      'status',
      '--full',
      'nginx',
    ]);
    // getopt would take --no-p for --no-pager; the policy wants options written out.
    expect(problem(line('systemctl --no-p status'))).toMatch(/in full/);
    expect(values(ok(line('systemctl check nginx')).canonical)).toEqual(['is-active', 'nginx']);
  });

  it('judges service control as medium', () => {
    for (const text of [
      'systemctl restart nginx',
      'systemctl start nginx.service',
      'systemctl stop php8.2-fpm',
      'systemctl reload nginx',
      'systemctl try-restart nginx',
      'systemctl condrestart nginx',
      'systemctl reload-or-restart nginx',
      'systemctl force-reload nginx',
      'systemctl kill -s HUP nginx',
      'systemctl kill --signal=HUP --kill-whom=main nginx',
      'systemctl reset-failed',
      'systemctl daemon-reload',
      'systemctl cancel 42',
      'systemctl restart php8.2-fpm.service',
      'systemctl kill session-3.scope',
      'systemctl --no-block restart nginx',
    ]) {
      expect(risk(text), text).toBe('medium');
    }
    expect(ok(line('systemctl restart nginx')).does).toEqual(['restarts units']);
  });

  it('judges a unit that powers off, changes the runlevel, unmounts or spans units as high', () => {
    for (const text of [
      'systemctl start reboot.target',
      'systemctl start poweroff.target',
      'systemctl start halt.target',
      'systemctl start ctrl-alt-del.target',
      'systemctl restart runlevel6.target',
      'systemctl start rescue.target',
      'systemctl start emergency.service',
      'systemctl start systemd-poweroff.service',
      'systemctl start systemd-reboot',
      'systemctl start suspend.target',
      'systemctl start nginx umount.target',
      'systemctl stop home.mount',
      'systemctl stop swapfile.swap',
      'systemctl stop system.slice',
      'systemctl kill user.slice',
      'systemctl kill -s SIGRTMIN+4 init.scope',
    ]) {
      expect(risk(text), text).toBe('high');
    }
    // A quoted pattern: systemctl starts or stops every loaded unit it matches.
    expect(ok(judge('systemctl', 'stop', 'power*')).risk).toBe('high');
    expect(ok(judge('systemctl', 'stop', '*')).risk).toBe('high');
    expect(ok(judge('systemctl', 'restart', 'ssh[d]')).risk).toBe('high');
  });

  it('judges unit files, power and the manager as high', () => {
    for (const text of [
      'systemctl enable nginx',
      'systemctl enable --now nginx',
      'systemctl disable --now nginx',
      'systemctl mask nginx',
      'systemctl unmask nginx',
      'systemctl preset-all',
      'systemctl revert nginx',
      'systemctl add-wants multi-user.target nginx',
      'systemctl set-default multi-user.target',
      'systemctl isolate rescue.target',
      'systemctl reboot',
      'systemctl poweroff',
      'systemctl halt',
      'systemctl kexec',
      'systemctl soft-reboot',
      'systemctl suspend',
      'systemctl hibernate',
      'systemctl rescue',
      'systemctl emergency',
      'systemctl default',
      'systemctl exit',
      'systemctl daemon-reexec',
      'systemctl freeze nginx',
      'systemctl set-property nginx CPUQuota=20%',
      'systemctl set-environment FOO=bar',
      'systemctl import-environment PATH',
      'systemctl log-level debug',
      'systemctl service-watchdogs no',
      'systemctl bind nginx /srv/data',
      'systemctl start --job-mode=isolate nginx',
      'systemctl restart nginx --job-mode=flush',
      'systemctl -ff reboot',
    ]) {
      expect(risk(text), text).toBe('high');
    }
    expect(risk('systemctl service-log-level nginx debug')).toBe('medium');
    expect(risk('systemctl service-log-level nginx')).toBe('low');
  });

  it('judges clean --what=state as critical: it deletes a unit’s data', () => {
    expect(risk('systemctl clean nginx')).toBe('high');
    expect(risk('systemctl clean --what=state nginx')).toBe('critical');
  });

  it('refuses editors, man, other hosts, containers, roots and images', () => {
    for (const text of [
      'systemctl edit nginx',
      'systemctl edit --full basic.target',
      'systemctl help nginx',
      'systemctl -H web02 status nginx',
      'systemctl status nginx -H web02',
      'systemctl status nginx --host=web02',
      'systemctl --ho=web02 status',
      'systemctl -M box status',
      'systemctl list-units --machine=box',
      'systemctl --root=/mnt enable nginx',
      'systemctl --image=/tmp/os.raw list-unit-files',
      'systemctl switch-root /sysroot',
    ]) {
      expect(problem(line(text)), text).toBeTruthy();
    }
    expect(problem(line('systemctl edit nginx'))).toMatch(/editor/);
    expect(problem(line('systemctl -H web02 status'))).toMatch(/another host/);
  });

  it('follows the GTFOBins unit-file escalation only through high-risk steps', () => {
    // systemctl link /path/to/x.service; systemctl enable --now /path/to/x.service
    expect(risk('systemctl link /tmp/x.service')).toBe('high');
    expect(problem(line('systemctl enable --now /tmp/x.service'))).toMatch(/no \//);
    expect(problem(line('systemctl start /tmp/x.service'))).toMatch(/no \//);
  });

  it('refuses unknown options and verbs, abbreviations, paths and shell patterns as units', () => {
    expect(problem(line('systemctl status --frobnicate'))).toMatch(/no option --frobnicate/);
    expect(problem(line('systemctl status -Z'))).toMatch(/no option -Z/);
    expect(problem(line('systemctl --when=now reboot'))).toMatch(/no option --when/);
    expect(problem(line('systemctl stat nginx'))).toMatch(/no sub-command stat/);
    expect(problem(line('systemctl restar nginx'))).toMatch(/no sub-command restar/);
    expect(problem(line('systemctl status ../etc/shadow'))).toMatch(/not a name/);
    expect(problem(line('systemctl restart ..'))).toMatch(/not a name/);
    expect(problem(line('systemctl stop -- -.mount'))).toMatch(/not a name/);
    expect(problem(judge('systemctl', 'restart', glob('nginx*')))).toMatch(/pattern/);
    expect(problem(judge('systemctl', 'restart', dynamicWord('$UNIT')))).toBeTruthy();
    expect(problem(line('systemctl isolate a.target b.target'))).toMatch(/at most 1/);
    expect(problem(line('systemctl reboot now'))).toMatch(/no operands/);
  });
});

describe('journalctl', () => {
  it('reads the journal at low risk', () => {
    for (const args of [
      ['-u', 'nginx', '--since', '1 hour ago', '--no-pager'],
      ['-xe'],
      ['-b'],
      ['-b-1'],
      ['--boot=-1', '-p', 'err'],
      ['-n', '50', '-u', 'nginx'],
      ['-n50', '-r'],
      ['--lines=200', '-o', 'short-iso'],
      ['-f', '-o', 'json', '-u', 'nginx', '-u', 'php-fpm'],
      ['-k', '--since', 'today'],
      ['-t', 'sshd', '-g', 'Failed password', '--case-sensitive=no'],
      ['_SYSTEMD_UNIT=nginx.service', '+', '_PID=1'],
      ['/usr/sbin/sshd'],
      ['--disk-usage'],
      ['--list-boots'],
      ['-F', '_SYSTEMD_UNIT'],
      ['--verify'],
      ['-u', 'nginx*'],
      ['-S', '2024-01-01', '-U', '2024-01-02', '--utc', '--no-hostname', '--output-fields=MESSAGE'],
    ]) {
      const j = ok(judge('journalctl', ...args));
      expect(j.risk, args.join(' ')).toBe('low');
      expect(j.writes, args.join(' ')).toEqual([]);
    }
  });

  it('reads other journal files as file reads', () => {
    expect(values(ok(line('journalctl --file=/var/log/journal/x/system.journal')).reads)).toEqual([
      '/var/log/journal/x/system.journal',
    ]);
    expect(values(ok(line('journalctl -D /var/log/journal/remote')).reads)).toEqual([
      '/var/log/journal/remote',
    ]);
  });

  it('lists the cursor file among the files written', () => {
    const j = ok(line('journalctl -u nginx --cursor-file=/tmp/nginx.cursor'));
    expect(values(j.writes)).toEqual(['/tmp/nginx.cursor']);
  });

  it('judges flushing as medium; rotating (which vacuums), relocating, deleting and rekeying as high', () => {
    for (const text of ['journalctl --flush', 'journalctl --sync']) {
      expect(risk(text), text).toBe('medium');
    }
    for (const text of [
      'journalctl --rotate',
      'journalctl --relinquish-var',
      'journalctl --smart-relinquish-var',
      'journalctl --vacuum-size=100M',
      'journalctl --vacuum-time=2weeks',
      'journalctl --vacuum-files=5',
      'journalctl --rotate --vacuum-time=1s',
      'journalctl --setup-keys',
      'journalctl --update-catalog',
    ]) {
      expect(risk(text), text).toBe('high');
    }
    expect(ok(line('journalctl --vacuum-size=100M')).does).toEqual(['deletes journal files']);
    expect(problem(line('journalctl --vacuum-s=1K'))).toMatch(/in full/);
  });

  it('refuses containers, images and what it does not know', () => {
    expect(problem(line('journalctl -M box'))).toMatch(/container/);
    expect(problem(line('journalctl --machine=box -u nginx'))).toMatch(/container/);
    expect(problem(line('journalctl --image=/tmp/os.raw'))).toMatch(/disk image/);
    expect(problem(line('journalctl --frobnicate'))).toMatch(/no option/);
    expect(problem(line('journalctl -Z'))).toMatch(/no option -Z/);
    expect(problem(line('journalctl --new-id128'))).toMatch(/no option/);
    // -b and -n take the next word as their value when it is an offset, an ID or a count,
    // as journalctl does; anything else after them is a word of its own.
    expect(values(ok(line('journalctl -b -1')).canonical)).toEqual(['--boot=-1']);
    expect(values(ok(line('journalctl -n 50')).canonical)).toEqual(['--lines=50']);
    expect(problem(line('journalctl -b -x1'))).toMatch(/no option -1/);
    expect(problem(judge('journalctl', '-u', glob('nginx*')))).toMatch(/several words/);
  });
});

describe('timedatectl', () => {
  it('shows the time settings at low risk', () => {
    for (const text of [
      'timedatectl',
      'timedatectl status',
      'timedatectl show',
      'timedatectl show -p Timezone --value',
      'timedatectl list-timezones',
      'timedatectl timesync-status',
      'timedatectl timesync-status --monitor',
      'timedatectl show-timesync --all',
    ]) {
      expect(risk(text), text).toBe('low');
    }
    expect(values(ok(line('timedatectl')).canonical)).toEqual(['status']);
  });

  it('judges setting the clock, zone, RTC mode and NTP as high', () => {
    expect(ok(judge('timedatectl', 'set-time', '2024-01-01 00:00:00')).risk).toBe('high');
    for (const text of [
      'timedatectl set-timezone UTC',
      'timedatectl set-ntp false',
      'timedatectl set-local-rtc 1 --adjust-system-clock',
      'timedatectl ntp-servers eth0 0.pool.ntp.org',
      'timedatectl revert eth0',
    ]) {
      expect(risk(text), text).toBe('high');
    }
  });

  it('refuses other hosts and what it does not know', () => {
    expect(problem(line('timedatectl -H web02 status'))).toMatch(/another host/);
    expect(problem(line('timedatectl status --machine=box'))).toMatch(/another host/);
    expect(problem(line('timedatectl stat'))).toMatch(/no sub-command/);
    expect(problem(line('timedatectl status now'))).toMatch(/no operands/);
    expect(problem(line('timedatectl --json=short'))).toMatch(/no option/);
  });
});

describe('hostnamectl', () => {
  it('shows the hostname at low risk', () => {
    for (const text of [
      'hostnamectl',
      'hostnamectl status',
      'hostnamectl --json=short',
      'hostnamectl hostname',
      'hostnamectl --static hostname',
      'hostnamectl chassis',
    ]) {
      expect(risk(text), text).toBe('low');
    }
  });

  it('judges setting a name as high', () => {
    expect(risk('hostnamectl hostname web01')).toBe('high');
    expect(risk('hostnamectl --pretty hostname web01')).toBe('high');
    expect(risk('hostnamectl chassis server')).toBe('high');
    const j = ok(line('hostnamectl set-hostname web01'));
    expect(j.risk).toBe('high');
    expect(values(j.canonical)).toEqual(['hostname', 'web01']);
  });

  it('refuses other hosts and extra operands', () => {
    expect(problem(line('hostnamectl -H web02'))).toMatch(/another host/);
    expect(problem(line('hostnamectl hostname a b'))).toMatch(/at most 1/);
    expect(problem(line('hostnamectl host'))).toMatch(/no sub-command/);
  });
});

describe('loginctl', () => {
  it('lists and shows sessions, users and seats at low risk', () => {
    for (const text of [
      'loginctl',
      'loginctl list-sessions --no-legend',
      'loginctl list-users',
      'loginctl list-seats',
      'loginctl session-status 3',
      'loginctl show-session 3 -p Remote --value',
      'loginctl user-status root -n 20',
      'loginctl show-user alice -P Linger',
      'loginctl seat-status seat0',
    ]) {
      expect(risk(text), text).toBe('low');
    }
  });

  it('judges ending or signalling a session as medium, a user or seat as high', () => {
    for (const text of [
      'loginctl terminate-session 3',
      'loginctl kill-session 3 -s KILL',
      'loginctl lock-sessions',
      'loginctl activate 3',
    ]) {
      expect(risk(text), text).toBe('medium');
    }
    for (const text of [
      'loginctl terminate-user alice',
      'loginctl kill-user alice',
      'loginctl enable-linger alice',
      'loginctl disable-linger alice',
      'loginctl unlock-sessions',
      'loginctl unlock-session 3',
      'loginctl terminate-seat seat0',
      'loginctl attach seat1 /sys/devices/pci0000:00/usb1',
      'loginctl flush-devices',
    ]) {
      expect(risk(text), text).toBe('high');
    }
  });

  it('refuses other hosts, paths as names and what it does not know', () => {
    expect(problem(line('loginctl -M box list-sessions'))).toMatch(/another host/);
    expect(problem(line('loginctl user-status ../root'))).toMatch(/not a name/);
    expect(problem(line('loginctl list-session'))).toMatch(/no sub-command/);
    expect(problem(line('loginctl list-sessions extra'))).toMatch(/no operands/);
  });
});

describe('systemd-analyze', () => {
  it('reads boot times, dependencies and unit analysis at low risk', () => {
    for (const text of [
      'systemd-analyze',
      'systemd-analyze time',
      'systemd-analyze blame --no-pager',
      'systemd-analyze critical-chain nginx.service --fuzz=1s',
      'systemd-analyze plot',
      'systemd-analyze dot --order --to-pattern=*.target',
      'systemd-analyze security nginx.service --json=short',
      'systemd-analyze unit-paths',
      'systemd-analyze timespan 1h30m',
      'systemd-analyze calendar --iterations=3 daily',
      'systemd-analyze log-level',
      'systemd-analyze get-log-level',
      'systemd-analyze cat-config systemd/journald.conf',
      'systemd-analyze cat-config /etc/systemd/logind.conf',
      'systemd-analyze cat-config tmpfiles.d',
      'systemd-analyze cat-config sysctl.d/99-local.conf',
    ]) {
      expect(risk(text), text).toBe('low');
    }
    expect(values(ok(line('systemd-analyze')).canonical)).toEqual(['time']);
    // verify runs man for the units' Documentation= pages: not read-only, but routine.
    const verify = ok(line('systemd-analyze verify /etc/systemd/system/app.service'));
    expect(verify.risk).toBe('medium');
    expect(values(verify.reads)).toEqual(['/etc/systemd/system/app.service']);
  });

  it('judges changing the manager’s logging or watchdogs as high', () => {
    for (const text of [
      'systemd-analyze log-level debug',
      'systemd-analyze log-target console',
      'systemd-analyze set-log-level debug',
      'systemd-analyze service-watchdogs no',
    ]) {
      expect(risk(text), text).toBe('high');
    }
  });

  it('refuses cat-config of anything but systemd’s configuration', () => {
    for (const name of [
      'shadow',
      '/etc/shadow',
      '/usr/lib/shadow',
      '/run/../etc/shadow',
      'systemd/../shadow',
      'ssh/sshd_config',
      '/home/alice/systemd/x.conf',
      'systemd/network/wg0.netdev',
    ]) {
      expect(problem(judge('systemd-analyze', 'cat-config', name)), name).toMatch(/configuration/);
    }
  });

  it('refuses generators, other hosts, roots, images and unknown verbs', () => {
    expect(problem(line('systemd-analyze verify --generators=yes x.service'))).toMatch(
      /generators/,
    );
    expect(problem(line('systemd-analyze -H web02 blame'))).toMatch(/another host/);
    expect(problem(line('systemd-analyze --root=/mnt cat-config systemd/system.conf'))).toMatch(
      /another root/,
    );
    expect(problem(line('systemd-analyze --image=/tmp/os.raw unit-files'))).toMatch(/disk image/);
    expect(problem(line('systemd-analyze unit-shell nginx'))).toMatch(/no sub-command/);
    expect(problem(line('systemd-analyze crit'))).toMatch(/no sub-command/);
  });
});

describe('service', () => {
  it('shows a service’s status, or all of them, at low risk', () => {
    for (const text of [
      'service nginx status',
      'service --status-all',
      'service --help',
      'service -h',
      'service --version',
      'service nginx -h',
      'service',
    ]) {
      expect(risk(text), text).toBe('low');
    }
  });

  it('judges service control as medium', () => {
    for (const text of [
      'service nginx restart',
      'service nginx start',
      'service nginx stop',
      'service nginx reload',
      'service nginx force-reload',
      'service nginx try-restart',
      'service nginx --full-restart',
    ]) {
      expect(risk(text), text).toBe('medium');
    }
  });

  it('judges a service that powers off or changes the runlevel as high', () => {
    expect(risk('service reboot start')).toBe('high');
    expect(risk('service halt stop')).toBe('high');
    expect(risk('service umountfs.sh start')).toBe('high');
    expect(risk('service systemd-poweroff start')).toBe('high');
    expect(risk('service reboot status')).toBe('low');
  });

  it('refuses a path as the service (GTFOBins), unknown actions and extra words', () => {
    expect(problem(line('service ../../bin/sh'))).toMatch(/not a service name/);
    expect(problem(line('service ../../usr/bin/touch status'))).toMatch(/not a service name/);
    expect(problem(line('service /etc/init.d/nginx status'))).toMatch(/not a service name/);
    expect(problem(line('service -x status'))).toMatch(/not a service name/);
    expect(problem(line('service --status-all nginx'))).toMatch(/not a service name/);
    expect(problem(judge('service', '', 'status'))).toMatch(/empty/);
    expect(problem(line('service nginx'))).toMatch(/no action/);
    expect(problem(line('service nginx configtest'))).toMatch(/configtest/);
    expect(problem(line('service nginx constructor'))).toMatch(/constructor/);
    expect(problem(line('service nginx start --force'))).toMatch(/--force/);
    expect(problem(judge('service', glob('ngin*'), 'restart'))).toMatch(/any word/);
    expect(problem(judge('service', dynamicWord('$SVC'), 'restart'))).toMatch(/any word/);
  });
});
