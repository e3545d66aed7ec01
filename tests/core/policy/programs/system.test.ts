import { describe, expect, it } from 'vitest';
import { SPECS } from '../../../../src/core/policy/programs/system.js';
import {
  glob,
  ok,
  problem,
  specsOf,
  values,
  expectWellFormed,
} from '../../../support/program-spec.js';
import { dynamicWord, type Word } from '../../../../src/core/policy/shell-syntax.js';

const { judge, line } = specsOf(SPECS);

const PROGRAMS =
  'uptime free ps top vmstat pgrep pidof kill pkill w who last hostname lscpu lsblk findmnt ' +
  'mount dmesg sysctl ss ip lsmod getent';

describe('system specs', () => {
  it('specify exactly the programs of the group, once each', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual(PROGRAMS.split(' ').sort());
  });

  it('write every option as --help does, and each option once per command', () => {
    expectWellFormed(SPECS);
  });

  describe('everyday forms are low risk and write nothing', () => {
    const EVERYDAY = [
      'uptime',
      'uptime -p',
      'uptime --since',
      'free -h',
      'free -m -w',
      'free -h -s 2 -c 3',
      'free --giga --total',
      'ps aux',
      'ps -ef',
      'ps -eo pid,cmd --sort=-%cpu',
      'ps -eo pid,ppid,user,%mem,%cpu,etime,args --sort -%mem',
      'ps axjf',
      'ps auxww',
      'ps -aux',
      'ps -ef --forest',
      'ps -p 1234 -o comm=',
      'ps -fp 1234',
      'ps -C nginx -o pid=',
      'ps -u www-data -o pid,rss,args',
      'ps aux --no-headers',
      'ps axo pid,comm',
      'ps -e --format=pid,comm',
      'ps --pid 1 --ppid 1',
      'ps -o pid,cmd 1 2 3',
      'ps 1234',
      'ps t',
      'ps --help all',
      'ps L',
      'top -b -n 1',
      'top -bn1',
      'top -b -n 1 -o %MEM',
      'top -b -n 2 -d 0.5',
      'top -b -n 1 -u root',
      'top -b -n 1 -p 1,2',
      'top -H -b -n 1 -w512',
      'top --batch-mode --iterations=1',
      'vmstat',
      'vmstat 1 5',
      'vmstat -s',
      'vmstat -d',
      'vmstat -w -t 1 3',
      'vmstat -S M 2',
      'pgrep nginx',
      'pgrep -a nginx',
      'pgrep -u root -l sshd',
      'pgrep -c php-fpm',
      'pgrep -x -t pts/0 bash',
      'pgrep -P 1',
      'pgrep -d , -f gunicorn',
      'pidof nginx',
      'pidof -s sshd',
      'pidof -x backup.sh',
      'pidof -o 1234 bash',
      'kill -l',
      'kill -l 9',
      'kill -L',
      'kill --list=9',
      'kill -0 1234',
      'kill -s 0 1234',
      'w',
      'w -h',
      'w root',
      'w -s -i',
      'who',
      'who -b',
      'who -a',
      'who -r',
      'who -H -u',
      'who am i',
      'last',
      'last -n 20',
      'last -20',
      'last reboot',
      'last -x shutdown',
      'last -F -i',
      'last --time-format=iso -n 5 root',
      'last -s yesterday',
      'hostname',
      'hostname -f',
      'hostname -I',
      'hostname -s',
      'hostname --fqdn',
      'hostname --long',
      'hostname -A',
      'lscpu',
      'lscpu -J',
      'lscpu -e',
      'lscpu --extended=CPU,MHZ',
      'lscpu -C',
      'lsblk',
      'lsblk -f',
      'lsblk -o NAME,SIZE,TYPE,MOUNTPOINT',
      'lsblk -J /dev/sda',
      'lsblk -dno NAME,ROTA',
      'findmnt',
      'findmnt /',
      'findmnt -t ext4,xfs',
      'findmnt -D',
      'findmnt -no SOURCE /var',
      'findmnt -s',
      'findmnt -T /var/log',
      'mount',
      'mount -l',
      'mount -t ext4',
      'mount -l -t tmpfs',
      'mount --types=nfs4',
      'dmesg',
      'dmesg -T',
      'dmesg -T --level=err,warn',
      'dmesg -e',
      'dmesg -x -k',
      'dmesg --time-format=iso',
      'dmesg -P --color=never',
      'dmesg -w',
      'dmesg -S -s 65536',
      'sysctl -a',
      'sysctl net.ipv4.ip_forward',
      'sysctl -n vm.swappiness',
      'sysctl net/ipv4/ip_forward',
      'sysctl -a -r ^net',
      'sysctl -N -a',
      'sysctl kernel.core_pattern',
      'sysctl -e fs.file-max fs.file-nr',
      'ss -tulpn',
      'ss -s',
      'ss -tan state established',
      'ss -ltn sport = :22',
      'ss -xp',
      'ss -4 -t -a -n',
      'ss -o state time-wait',
      'ss -i dst 10.0.0.1',
      'ss -N blue -t',
      'ss -tlnp -H',
      'ss --tcp --listening --numeric --processes',
      'ip a',
      'ip addr',
      'ip address show dev eth0',
      'ip a s',
      'ip addr lst',
      'ip -br a',
      'ip -br -c addr show',
      'ip -4 -o addr',
      'ip -j -p route',
      'ip -json -pretty addr',
      'ip r',
      'ip ro',
      'ip route show table all',
      'ip route get 8.8.8.8',
      'ip r g 1.1.1.1',
      'ip -6 route',
      'ip link',
      'ip l',
      'ip l ls',
      'ip -s link show eth0',
      'ip -s -s link',
      'ip -d link show',
      'ip link show up',
      'ip link xstats type bridge',
      'ip neigh',
      'ip n',
      'ip neighbour show dev eth0',
      'ip neigh get 10.0.0.1 dev eth0',
      'ip rule',
      'ip ru',
      'ip rule list',
      'ip maddr',
      'ip m',
      'ip -N r',
      'ip -f inet addr',
      'ip -t -ts addr',
      'ip addr help',
      'lsmod',
      'getent passwd',
      'getent passwd root',
      'getent group sudo',
      'getent hosts',
      'getent services 22',
      'getent -s files passwd',
    ];
    it.each(EVERYDAY)('%s', (text) => {
      const j = ok(line(text));
      expect(j.risk).toBe('low');
      expect(j.writes).toEqual([]);
      expect(j.does).toEqual([]);
      expect(j.secret).toBeUndefined();
    });

    it('with arguments that hold spaces or are known only at run time', () => {
      for (const j of [
        judge('pgrep', '-f', 'python app.py'),
        judge('dmesg', '--since', '1 hour ago'),
        judge('ps', '-p', dynamicWord('"$pid"'), '-o', 'pid,etime'),
        judge('ps', '-o', 'pid,args', '--ppid', dynamicWord('$PPID')),
      ]) {
        expect(ok(j).risk).toBe('low');
      }
    });
  });

  describe('ip reads objects and verbs by first prefix, in iproute2 order', () => {
    const CASES: [string, string[], string][] = [
      ['ip a a 10.0.0.5/24 dev eth0', ['address', 'add'], 'high'],
      ['ip a', ['address', 'show'], 'low'],
      ['ip a d 10.0.0.5/24 dev eth0', ['address', 'delete'], 'high'],
      ['ip a f dev eth0', ['address', 'flush'], 'high'],
      ['ip a chg 10.0.0.5/24 dev eth0', ['address', 'change'], 'high'],
      ['ip a l', ['address', 'list'], 'low'],
      ['ip a r 10.0.0.5/24 dev eth0', ['address', 'replace'], 'high'],
      ['ip a res', ['address', 'restore'], 'high'],
      ['ip l s eth0 down', ['link', 'set'], 'high'],
      ['ip link set dev eth0 mtu 9000', ['link', 'set'], 'high'],
      ['ip link sh', ['link', 'show'], 'low'],
      ['ip l a dummy0 type dummy', ['link', 'add'], 'high'],
      ['ip link del dummy0', ['link', 'delete'], 'high'],
      ['ip link p add dev eth0 altname lan', ['link', 'property'], 'high'],
      ['ip r a default via 10.0.0.1', ['route', 'add'], 'high'],
      ['ip r d default', ['route', 'delete'], 'high'],
      ['ip r app 10.1.0.0/16 via 10.0.0.1', ['route', 'append'], 'high'],
      ['ip r p 10.1.0.0/16 via 10.0.0.1', ['route', 'prepend'], 'high'],
      ['ip r t 10.1.0.0/16 via 10.0.0.1', ['route', 'test'], 'high'],
      ['ip route flush cache', ['route', 'flush'], 'high'],
      ['ip ru a from 10.0.0.0/8 table 100', ['rule', 'add'], 'high'],
      ['ip ru s', ['rule', 'show'], 'low'],
      ['ip ru d pref 100', ['rule', 'delete'], 'high'],
      ['ip rule flush', ['rule', 'flush'], 'high'],
      ['ip n a 10.0.0.9 lladdr 00:11:22:33:44:55 dev eth0', ['neighbor', 'add'], 'high'],
      ['ip n f dev eth0', ['neighbor', 'flush'], 'high'],
      ['ip neighbou show', ['neighbour', 'show'], 'low'],
      ['ip neigh r 10.0.0.9 lladdr 00:11:22:33:44:55 dev eth0', ['neighbor', 'replace'], 'high'],
      ['ip m a 01:00:5e:00:00:01 dev eth0', ['maddress', 'add'], 'high'],
      ['ip m d 01:00:5e:00:00:01 dev eth0', ['maddress', 'delete'], 'high'],
    ];
    it.each(CASES)('%s', (text, head, risk) => {
      const j = ok(line(text));
      expect(values(j.canonical).slice(0, 2)).toEqual(head);
      expect(j.risk).toBe(risk);
      if (risk === 'high') expect(j.does.join(' ')).toMatch(/changes networking/);
    });

    it('reads --json as -json, as ip does', () => {
      expect(values(ok(line('ip --json addr')).canonical)).toEqual(['address', 'show', '-json']);
    });

    it('names object and verb in full in the canonical form', () => {
      expect(values(ok(line('ip -br -4 a')).canonical)).toEqual(['address', 'show', '-br', '-4']);
    });

    const DENIED = [
      'ip',
      'ip a sa',
      'ip a showd',
      'ip r sa',
      'ip ru sa',
      'ip addrlabel',
      'ip addrl',
      'ip netns exec foo /bin/sh',
      'ip netns add foo',
      'ip tunnel show',
      'ip xfrm state',
      'ip vrf exec blue sh',
      'ip monitor',
      'ip ntable',
      'ip -force -batch /path/to/input-file',
      'ip -batch /path/to/input-file',
      'ip -b /path/to/input-file',
      'ip -ba /path/to/input-file',
      'ip -n foo addr',
      'ip -netns foo addr',
      'ip -a addr flush',
      'ip -r route',
      'ip -resolve route',
      'ip -st link',
      'ip -js addr',
      'ip -color=always addr',
      'ip addr -4 show',
      'ip addr show -4',
      'ip link dev eth0',
      'ip a x',
    ];
    it.each(DENIED)('%s is a problem', (text) => {
      expect(problem(line(text))).toBeTruthy();
    });
  });

  describe('kill: a signal to processes is medium, PID 1 and every process high', () => {
    const MEDIUM = [
      'kill 1234',
      'kill -9 1234',
      'kill -KILL 1234',
      'kill -SIGTERM 1234',
      'kill -s HUP 1234',
      'kill -n 9 1234',
      'kill --signal=TERM 1234',
      'kill --signal TERM 1234',
      'kill -1 1234',
      'kill %1',
      'kill -- -2345',
      'kill -9 -2345',
      'kill 1234 5678',
    ];
    it.each(MEDIUM)('%s', (text) => {
      const j = ok(line(text));
      expect(j.risk).toBe('medium');
      expect(j.does.length).toBe(1);
    });

    const HIGH = [
      'kill -1',
      'kill -9 -1',
      'kill -- -1',
      'kill -s KILL -1',
      'kill 1',
      'kill -HUP 1',
      'kill 1234 1',
      'kill -TERM -- -1',
    ];
    it.each(HIGH)('%s', (text) => {
      expect(ok(line(text)).risk).toBe('high');
    });

    it('a PID known only at run time could be 1 or -1', () => {
      expect(ok(judge('kill', dynamicWord('$PID'))).risk).toBe('high');
      expect(ok(judge('kill', '-9', dynamicWord('$(pgrep -o nginx)'))).risk).toBe('high');
    });

    const DENIED = [
      'kill',
      'kill -9',
      'kill -s',
      'kill abc',
      'kill 1234 -s 9',
      'kill 1234 -l',
      'kill -9 12ab',
      'kill -s K!LL 1234',
      'kill --bogus 1234',
      'kill -s -1 1234',
    ];
    it.each(DENIED)('%s is a problem', (text) => {
      expect(problem(line(text))).toBeTruthy();
    });
    it('a pattern where a PID belongs is a problem', () => {
      expect(problem(judge('kill', glob('*')))).toMatch(/pattern/);
    });
  });

  describe('pkill: medium for a plain pattern, high when it could reach every process', () => {
    const MEDIUM: (string | Word)[][] = [
      ['nginx'],
      ['-9', 'nginx'],
      ['--signal', 'HUP', 'nginx'],
      ['--signal=USR1', 'gunicorn'],
      ['-u', 'deploy', 'node'],
      ['-x', 'php-fpm7.4'],
      ['-e', '^nginx$'],
      ['-t', 'tty1', 'bash'],
      ['-F', '/run/nginx.pid', 'nginx'],
    ];
    it('is high with -f: whole command lines, which PID 1 can match', () => {
      expect(ok(judge('pkill', '-f', 'python app.py')).risk).toBe('high');
      expect(ok(judge('pkill', '-f', '--signal=INT', 'deserialize')).risk).toBe('high');
    });

    it.each(MEDIUM)('pkill %s …', (...args) => {
      const j = ok(judge('pkill', ...args));
      expect(j.risk).toBe('medium');
      expect(j.does.length).toBeGreaterThan(0);
    });

    it('reads the pid file it is given', () => {
      expect(values(ok(line('pkill -F /run/nginx.pid nginx')).reads)).toEqual(['/run/nginx.pid']);
    });

    const HIGH: (string | Word)[][] = [
      ['-u', 'deploy'],
      ['-9', '-u', 'root'],
      ['-s', '0'],
      ['.'],
      [''],
      ['.*'],
      ['^'],
      ['$'],
      ['a'],
      ['nginx|sshd'],
      ['[a-z]'],
      ['-v', 'nginx'],
      ['-9', '-u', 'root', '--', '-9'],
      [{ text: '"$NAME"', glob: false, notOption: true }],
      [glob('ngin*')],
    ];
    it.each(HIGH)('pkill %s …', (...args) => {
      expect(ok(judge('pkill', ...args)).risk).toBe('high');
    });

    const DENIED = [
      'pkill -HUP nginx',
      'pkill -u -9 nginx',
      'pkill -u ../x nginx',
      'pkill -t pts/0 bash',
      'pkill nginx sshd',
      'pkill --help',
      'pkill -l nginx',
    ];
    it.each(DENIED)('%s is a problem', (text) => {
      expect(problem(line(text))).toBeTruthy();
    });
    it('a pattern that could become an option is a problem', () => {
      expect(problem(judge('pkill', dynamicWord('$NAME')))).toMatch(/run time/);
    });
  });

  describe('state changes carry their risk', () => {
    const CASES: [string, string, RegExp][] = [
      ['hostname web-01', 'high', /host name/],
      ['hostname -F /etc/hostname', 'high', /host name/],
      ['hostname --file=/etc/hostname', 'high', /host name/],
      ['hostname -b', 'high', /host name/],
      ['mount -o bind /bin/sh /bin/mount', 'high', /mount/],
      ['mount /dev/sdb1 /mnt', 'high', /mount/],
      ['mount /mnt/backup', 'high', /mount/],
      ['mount -a', 'high', /mount/],
      ['mount -t ext4 -a', 'high', /mount/],
      ['mount -o remount,rw /', 'high', /mount/],
      ['mount --make-private /', 'high', /mount/],
      ['mount -L data', 'high', /mount/],
      ['mount --bind /srv /mnt', 'high', /mount/],
      ['dmesg -c', 'high', /ring buffer/],
      ['dmesg -C', 'high', /ring buffer/],
      ['dmesg --clear', 'high', /ring buffer/],
      ['dmesg --read-clear', 'high', /ring buffer/],
      ['dmesg -Tc', 'high', /ring buffer/],
      ['dmesg -n 1', 'high', /console/],
      ['dmesg --console-level=1', 'high', /console/],
      ['dmesg -D', 'high', /console/],
      ['dmesg --console-on', 'high', /console/],
      ['sysctl -w net.ipv4.ip_forward=1', 'high', /kernel setting/],
      ['sysctl net.ipv4.ip_forward=1', 'high', /kernel setting/],
      ['sysctl net/ipv4/ip_forward=0', 'high', /kernel setting/],
      ['sysctl -p', 'high', /kernel settings/],
      ['sysctl -p /etc/sysctl.d/99-local.conf', 'high', /kernel settings/],
      ['sysctl --load=/etc/sysctl.conf', 'high', /kernel settings/],
      ['sysctl -f', 'high', /kernel settings/],
      ['sysctl --system', 'high', /kernel settings/],
      ['ss -K dst 10.0.0.1', 'high', /sockets/],
      ['ss --kill state established', 'high', /sockets/],
    ];
    it.each(CASES)('%s', (text, risk, does) => {
      const j = ok(line(text));
      expect(j.risk).toBe(risk);
      expect(j.does.join(' ')).toMatch(does);
    });
  });

  describe('GTFOBins and other dangerous forms are refused or judged', () => {
    const REFUSED: (string | Word)[][] = [
      ['dmesg', '-H'],
      ['dmesg', '--human'],
      ['dmesg', '-TH'],
      ['sysctl', 'kernel.core_pattern=|/path/to/command'],
      ['sysctl', 'kernel/core_pattern=|/path/to/command'],
      ['sysctl', '-w', 'kernel.modprobe=/tmp/x'],
      ['sysctl', '-n', '/../../path/to/input-file'],
      ['sysctl', '../x'],
      ['sysctl', glob('net.*')],
      ['sysctl', dynamicWord('$KEY')],
      ['getent', 'nosuchdb'],
      // A key looked up in DNS leaves the host: data sent out.
      ['getent', 'hosts', 'data.example.com'],
      ['getent', 'ahosts', 'localhost'],
      ['getent', dynamicWord('$DB')],
      ['getent', '-s', '../../tmp/evil', 'passwd'],
      ['getent', '--service=x/y', 'passwd'],
      ['ss', '-N', '../../x', '-t'],
      ['ss', '--net=a/b'],
      ['ps', '--info'],
      ['ps', '-ef', '--bogus'],
      ['ps', 'aQ'],
      ['ps', '-eo'],
      ['ps', '-'],
      ['ps', '1', 'aux'],
      ['ps', dynamicWord('$OPTS')],
      ['ps', glob('a*')],
      ['ps', '-e', '--forest=x'],
    ];
    it.each(REFUSED)('%s %s … is a problem', (name, ...args) => {
      expect(problem(judge(name as string, ...args))).toBeTruthy();
    });

    it('getent shadow and gshadow read password hashes', () => {
      expect(ok(line('getent shadow')).secret).toMatch(/password hashes/);
      expect(ok(line('getent gshadow root')).secret).toMatch(/password hashes/);
      expect(ok(line('getent -i shadow')).secret).toMatch(/password hashes/);
    });

    it('sysctl -p of a secret file is a secret read', () => {
      expect(ok(line('sysctl -p /etc/shadow')).secret).toMatch(/shadow/);
    });

    const READS: [string, string[]][] = [
      ['last -a -f /path/to/input-file', ['/path/to/input-file']],
      ['last --file=/path/to/input-file', ['/path/to/input-file']],
      ['dmesg -rF /path/to/input-file', ['/path/to/input-file']],
      ['dmesg --file=/path/to/input-file', ['/path/to/input-file']],
      ['who /var/log/wtmp', ['/var/log/wtmp']],
      ['findmnt -F /path/to/input-file', ['/path/to/input-file']],
      ['pgrep -F /path/to/input-file', ['/path/to/input-file']],
      ['sysctl -p/path/to/input-file', ['/path/to/input-file']],
      ['hostname -F /path/to/input-file', ['/path/to/input-file']],
      ['mount -T /path/to/input-file -a', ['/path/to/input-file']],
    ];
    it.each(READS)('%s reads the file, so the policy checks it', (text, reads) => {
      expect(values(ok(line(text)).reads)).toEqual(reads);
    });

    it('ss -D writes its dump file', () => {
      expect(values(ok(line('ss -D /tmp/diag.raw -t')).writes)).toEqual(['/tmp/diag.raw']);
      expect(values(ok(line('ss --diag=/tmp/diag.raw')).writes)).toEqual(['/tmp/diag.raw']);
    });
  });

  describe('unknown options, operands where none belong and bad names are problems', () => {
    const DENIED = [
      'uptime -x',
      'uptime now',
      'free -z',
      'free 5',
      'top -b x',
      'top -b -n 1 -w 200',
      'top -z',
      'vmstat 1 2 3',
      'vmstat -Z',
      'pgrep -Z nginx',
      'pgrep a b',
      'pidof --bogus nginx',
      'w a/b',
      'w ../x',
      'w -z',
      'who --lookup',
      'who a b c',
      'last -d',
      'last --dns',
      'hostname -v',
      'hostname --verbose',
      'hostname a b',
      'lscpu --sysroot /tmp',
      'lscpu x',
      'lsblk --sysroot=/x',
      'findmnt --bogus',
      'findmnt a b c',
      'mount -N 1 /mnt',
      'mount --namespace=1 /mnt',
      'mount --target-prefix=/x -a',
      'dmesg --bogus',
      'dmesg x',
      'sysctl --dry-run -w a=b',
      'sysctl --bogus',
      'ss -r',
      'ss --resolve',
      'ss -Y',
      'lsmod -v',
      'lsmod x',
      'getent -x passwd',
    ];
    it.each(DENIED)('%s is a problem', (text) => {
      expect(problem(line(text))).toBeTruthy();
    });

    it('top without -b parses, since it exits without a terminal', () => {
      // `top` alone is taken: it needs a terminal for its keys, and commands run without one.
      expect(ok(line('top -n 1')).risk).toBe('low');
    });
  });
});
