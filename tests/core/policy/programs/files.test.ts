import { describe, expect, it } from 'vitest';
import { SPECS } from '../../../../src/core/policy/programs/files.js';
import { ok, problem, specsOf, values, expectWellFormed } from '../../../support/program-spec.js';
import { dynamicWord } from '../../../../src/core/policy/shell-syntax.js';

const { spec, judge, line } = specsOf(SPECS);

const PROGRAMS =
  'cat head tail wc sort uniq cut tr ls stat du df readlink realpath basename dirname md5sum ' +
  'sha256sum file grep egrep fgrep zcat zgrep echo printf true false test [ [[ pwd sleep exit ' +
  'printenv which date uname id whoami nproc';

describe('files specs', () => {
  it('specify exactly the programs of the group, once each', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual(PROGRAMS.split(' ').sort());
  });

  it('write every option as --help does, and each option once per program', () => {
    expectWellFormed(SPECS);
  });

  describe('everyday forms are low risk and write nothing', () => {
    const EVERYDAY = [
      'cat /etc/os-release',
      'cat -A /etc/fstab',
      'head -n 20 /var/log/syslog',
      'head -c 100 /etc/hostname',
      'tail -n 100 /var/log/nginx/error.log',
      'tail -fn 100 /var/log/syslog',
      'tail -F --retry /var/log/app.log',
      'tail --follow=name -n 0 /var/log/syslog',
      'wc -l /var/log/syslog',
      'sort -rn',
      'sort -t : -k 3 -n /etc/group',
      'sort -u -k2,2 sizes.txt',
      'sort -c /tmp/list',
      'sort --check=quiet /tmp/list',
      'sort -h --parallel=2',
      'uniq -c',
      'uniq -d /tmp/sorted',
      'cut -d : -f 1,7 /etc/group',
      'cut -c1-80',
      'tr -s [:space:]',
      'tr a-z A-Z',
      'tr -d \\r',
      'ls -la /etc/nginx/',
      'ls -lhtr /var/log',
      'ls -1 --color=never /srv',
      'ls -ld --time-style=long-iso /tmp',
      'ls -R /etc/nginx',
      'stat /etc/passwd',
      'stat -c %s%n /var/log/syslog',
      'stat -f /',
      'du -sh /var/log',
      'du -h --max-depth=1 /var',
      'du -ahx --exclude=*.gz /var/log',
      'df -h',
      'df -hT /',
      'df -i',
      'df --output=source,pcent /',
      'readlink -f /etc/alternatives/java',
      'realpath --relative-to=/etc /etc/nginx/sites-enabled/default',
      'basename /usr/bin/sort',
      'basename -s .conf /etc/nginx/nginx.conf',
      'dirname /usr/bin/sort',
      'md5sum /usr/bin/ls',
      'file /bin/ls',
      'file -bi /var/log/syslog',
      'file -s /dev/sda1',
      'file -L /etc/localtime',
      'grep -i error /var/log/syslog',
      'grep -n -C 3 OOM /var/log/kern.log',
      'grep -5 panic /var/log/kern.log',
      'grep -Ev ^# /etc/ssh/sshd_config',
      'grep -c processor /proc/cpuinfo',
      'grep --color=never -e foo -e bar /tmp/x',
      'egrep -i warn|error /var/log/syslog',
      'fgrep -x root /etc/group',
      'zcat /var/log/syslog.2.gz',
      'zcat -l /var/log/syslog.2.gz',
      'zgrep -i error /var/log/syslog.2.gz',
      'zgrep -c -m 5 -e oom /var/log/kern.log.2.gz',
      'zgrep --max-count=5 oom /var/log/kern.log.2.gz',
      'echo hello',
      'echo -e a\\tb',
      'printf %s\\n hello',
      'printf -- -v',
      'true',
      'false',
      'test -f /etc/passwd',
      '[ -d /var/log ]',
      '[[ -f /etc/passwd ]]',
      'pwd',
      'pwd -P',
      'exit',
      'exit 3',
      'sleep 1',
      'sleep 0.5 1m',
      'printenv',
      'printenv PATH HOME',
      'which nginx',
      'which -a python3',
      'date',
      'date +%s',
      'date -u',
      'date -u +%Y-%m-%dT%H:%M:%SZ',
      'date -d yesterday +%F',
      'date -d @1700000000',
      'date -Iseconds',
      'date -R',
      'date --rfc-3339=ns',
      'date -r /var/log/syslog',
      'uname -a',
      'uname -srm',
      'id',
      'id -un',
      'id www-data',
      'whoami',
      'nproc',
      'nproc --all',
    ];
    it.each(EVERYDAY)('%s', (text) => {
      const j = ok(line(text));
      expect(j.risk).toBe('low');
      expect(j.writes).toEqual([]);
      expect(j.does).toEqual([]);
      expect(j.secret).toBeUndefined();
    });
  });

  describe('GTFOBins file-read forms are reads, so the policy checks the file', () => {
    const READS: [string, string[]][] = [
      ['cat /path/to/input-file', ['/path/to/input-file']],
      ['head -c-0 /path/to/input-file', ['/path/to/input-file']],
      ['tail -c+0 /path/to/input-file', ['/path/to/input-file']],
      ['sort -m /path/to/input-file', ['/path/to/input-file']],
      ['uniq /path/to/input-file', ['/path/to/input-file']],
      ['cut -d x -f1 /path/to/input-file', ['/path/to/input-file']],
      ['grep x /path/to/input-file', ['/path/to/input-file']],
      ['grep -f /path/to/patterns /srv/data', ['/path/to/patterns', '/srv/data']],
      ['grep --exclude-from=/path/to/list -r x /srv', ['/path/to/list', '/srv']],
      ['egrep x /path/to/input-file', ['/path/to/input-file']],
      ['fgrep x /path/to/input-file', ['/path/to/input-file']],
      ['zcat -f /path/to/input-file', ['/path/to/input-file']],
      ['zgrep x /path/to/input-file', ['/path/to/input-file']],
      ['date -f /path/to/input-file', ['/path/to/input-file']],
      ['date --file=/path/to/input-file', ['/path/to/input-file']],
      ['du -X /path/to/list /var', ['/path/to/list']],
    ];
    it.each(READS)('%s', (text, reads) => {
      const j = ok(line(text));
      expect(j.risk).toBe('low');
      expect(values(j.reads)).toEqual(reads);
      expect(j.writes).toEqual([]);
    });

    it('names of paths are not reads (ls, stat, du, df, readlink, realpath, date -r)', () => {
      for (const text of [
        'ls -l /etc/shadow',
        'stat /etc/shadow',
        'du -s /root',
        'df /root',
        'readlink -f /etc/shadow',
        'realpath /etc/shadow',
        'date -r /etc/shadow',
        'which /usr/bin/ls',
      ]) {
        expect(ok(line(text)).reads, text).toEqual([]);
      }
    });
  });

  describe('sort', () => {
    it('lists the file -o writes (GTFOBins file-write), however it is spelled', () => {
      for (const text of [
        'sort -m -o /path/to/output-file',
        'sort -o/path/to/output-file',
        'sort -ro /path/to/output-file in',
        'sort --output=/path/to/output-file',
        'sort --output /path/to/output-file',
      ]) {
        expect(values(ok(line(text)).writes), text).toEqual(['/path/to/output-file']);
      }
    });

    it('refuses --compress-program, which runs a program, also abbreviated', () => {
      expect(problem(line('sort --compress-program=sh in'))).toMatch(/runs a program/);
      // An abbreviation could be of an option the spec leaves out: long options are written in full.
      expect(problem(line('sort --compress sh in'))).toMatch(/write the option out in full/);
      expect(problem(line('sort --out=/path/to/output-file'))).toMatch(/in full/);
    });

    it('refuses -T, which writes temporary files into a directory it names', () => {
      expect(problem(line('sort -T /etc in'))).toMatch(/temporary files/);
      expect(problem(line('sort --temporary-directory=/etc in'))).toMatch(/temporary files/);
    });

    it('treats --files0-from, which prints files the policy never sees, as reading secrets', () => {
      expect(ok(line('sort --files0-from=-')).secret).toMatch(/could be secrets/);
      expect(ok(line('sort --files0-from /tmp/list')).secret).toMatch(/could be secrets/);
    });

    it('reads -c as a flag and --check with an attached value', () => {
      expect(ok(line('sort -cf in')).canonical.map((w) => w.value)).toEqual([
        '-c',
        '--ignore-case',
        'in',
      ]);
      expect(values(ok(line('sort --check=silent in')).canonical)).toEqual([
        '--check=silent',
        'in',
      ]);
    });

    it('reads --version as itself, not as an abbreviation of --version-sort', () => {
      expect(values(ok(line('sort --version')).canonical)).toEqual(['--version']);
      expect(values(ok(line('sort --version-sort in')).canonical)).toEqual([
        '--version-sort',
        'in',
      ]);
    });

    it('denies options it does not know', () => {
      expect(problem(line('sort --random-source=/dev/urandom in'))).toMatch(/random-source/);
      expect(problem(line('sort --batch-size=2 a b c'))).toMatch(/batch-size/);
    });
  });

  describe('uniq', () => {
    it('writes its second operand, and refuses words that may become two', () => {
      expect(values(ok(line('uniq in out')).writes)).toEqual(['out']);
      expect(values(ok(line('uniq in out')).reads)).toEqual(['in']);
      expect(values(ok(line('uniq -c - /etc/passwd')).writes)).toEqual(['/etc/passwd']);
      expect(values(ok(line('uniq -- in out')).writes)).toEqual(['out']);
      expect(problem(line('uniq a b c'))).toMatch(/at most/);
      expect(
        problem(judge('uniq', { text: '/tmp/*.txt', value: '/tmp/*.txt', glob: true })),
      ).toMatch(/two words/);
      expect(problem(judge('uniq', '--', { text: '$files', glob: false, splits: true }))).toMatch(
        /two words/,
      );
    });
  });

  describe('date', () => {
    it('sets the clock with -s, however it is spelled: high risk', () => {
      for (const text of [
        'date -s 2020-01-01',
        'date --set=2020-01-01',
        'date --set 10:00',
        'date -us 10:00',
      ]) {
        const j = ok(line(text));
        expect(j.risk, text).toBe('high');
        expect(j.does.join(), text).toMatch(/clock/);
      }
    });

    it('sets the clock with an MMDDhhmm operand: high risk', () => {
      for (const text of ['date 010112002020', 'date -u 0101120020', 'date 01011200.30']) {
        const j = ok(line(text));
        expect(j.risk, text).toBe('high');
        expect(j.does.join(), text).toMatch(/clock/);
      }
      expect(ok(judge('date', { text: '"$WHEN"', glob: false, notOption: true })).risk).toBe(
        'high',
      );
    });

    it('prints with a +FORMAT operand, and takes only one', () => {
      expect(ok(line('date +%H:%M')).risk).toBe('low');
      expect(problem(line('date +%H %M'))).toMatch(/at most 1/);
    });
  });

  describe('file', () => {
    it('refuses -C, which compiles the magic file into a new file', () => {
      expect(problem(line('file -C -m /tmp/magic'))).toMatch(/\.mgc/);
      expect(problem(line('file --compile --magic-file=/tmp/magic'))).toMatch(/\.mgc/);
    });

    it('denies -p (resets access times) and -S (no sandbox)', () => {
      expect(problem(line('file -p /bin/ls'))).toMatch(/-p/);
      expect(problem(line('file -S /bin/ls'))).toMatch(/-S/);
      expect(problem(line('file --no-sandbox /bin/ls'))).toMatch(/no-sandbox/);
    });
  });

  describe('grep', () => {
    const recursive = (name: string): readonly string[] =>
      (spec(name).options ?? []).find((g) => g.options.some((o) => o.startsWith('-r, ')))
        ?.options ?? [];

    it('keeps every option that makes it read a tree in one group, and only those', () => {
      for (const name of ['grep', 'egrep', 'fgrep']) {
        expect(recursive(name)).toEqual(['-r, --recursive', '-d, --directories=ACTION']);
        const group = spec(name).options?.find((g) => g.options === recursive(name));
        expect(group?.why).toMatch(/tree/);
      }
      expect(recursive('zgrep')).toEqual([]);
      // Following links out of the tree: grep -R, zcat -r (with -f).
      expect(problem(line('grep -R x /usr/lib'))).toMatch(/follows links/);
      expect(problem(line('zcat -rf /var/log'))).toMatch(/following links/);
    });

    it('parses recursive forms (the caller checks the tree)', () => {
      expect(values(ok(line('grep -rn OOM /var/log/')).reads)).toEqual(['/var/log/']);
      expect(ok(line('grep -r --include=*.conf ssl /etc/nginx')).risk).toBe('low');
      expect(ok(line('grep --directories=recurse x /etc')).risk).toBe('low');
    });

    it('refuses lists of files to open, which the policy cannot see', () => {
      for (const text of [
        'md5sum -c /path/to/sums',
        'sha256sum -c SHA256SUMS --ignore-missing',
        'wc --files0-from=/path/to/input-file',
        'du --files0-from=/path/to/list',
        'file -f /path/to/input-file',
      ])
        expect(problem(line(text)), text).toMatch(/files a list names/);
    });

    it('reads -NUM as context lines', () => {
      expect(values(ok(line('grep -3n x f')).canonical)).toEqual(['-3', '--line-number', 'x', 'f']);
    });

    it('denies options it does not know', () => {
      expect(problem(line('grep --devices=read x /dev/sda'))).toMatch(/devices/);
      expect(problem(line('grep -y x f'))).toMatch(/-y/);
      expect(problem(line('egrep --frobnicate x f'))).toMatch(/frobnicate/);
    });
  });

  describe('zgrep', () => {
    it('refuses the grep options zgrep refuses', () => {
      for (const text of [
        'zgrep -r x /var/log',
        'zgrep -R x .',
        'zgrep -d recurse x .',
        'zgrep -z x f',
        'zgrep --include=*.gz x .',
      ]) {
        expect(line(text).ok, text).toBe(false);
      }
    });

    it('reads a long option and its value in two words as zgrep does: the value is a file read', () => {
      // zgrep passes --group-separator on alone and greps the next word as a file.
      const j = ok(line('zgrep --group-separator /etc/shadow -e x f.gz'));
      expect(values(j.reads)).toContain('/etc/shadow');
      expect(values(ok(line('zgrep --max-count 5 x f.gz')).reads)).toEqual(['x', 'f.gz']);
    });

    it('takes the values of its short options as zgrep does', () => {
      expect(values(ok(line('zgrep -m 5 -A 2 x f.gz')).reads)).toEqual(['f.gz']);
      expect(values(ok(line('zgrep -ie x f.gz')).reads)).toEqual(['f.gz']);
    });
  });

  describe('bash builtins', () => {
    it('refuse printf -v, which assigns a variable', () => {
      expect(problem(line('printf -v x %s y'))).toMatch(/-v/);
      expect(problem(line('printf -vx %s y'))).toMatch(/-v/);
      expect(problem(judge('printf', dynamicWord('$fmt'), 'y'))).toMatch(/run time/);
      expect(
        ok(judge('printf', { text: '"$HOME/%s"', glob: false, notOption: true }, 'y')).risk,
      ).toBe('low');
    });

    it('refuse test -v and [ -v, which evaluate a subscript, and words that could become -v', () => {
      expect(problem(line('test -v x'))).toMatch(/-v/);
      expect(problem(line('[ -v a ]'))).toMatch(/-v/);
      expect(problem(judge('test', dynamicWord('$op'), 'x'))).toMatch(/run time/);
      expect(ok(judge('[', '-n', { text: '"$X"', glob: false, notOption: true }, ']')).risk).toBe(
        'low',
      );
    });

    it('take everything else as text, without reading options', () => {
      expect(ok(line('echo --help -n -x')).risk).toBe('low');
      expect(ok(line('true --anything')).risk).toBe('low');
      expect(problem(line('exit 1 2'))).toMatch(/at most 1/);
      expect(problem(line('pwd /tmp'))).toMatch(/no operands/);
      expect(problem(line('pwd --help'))).toMatch(/help/);
    });
  });

  describe('names and operands', () => {
    it('refuse names that are paths or options', () => {
      expect(problem(line('id ../root'))).toMatch(/not a name/);
      expect(problem(line('id a/b'))).toMatch(/not a name/);
      expect(problem(line('id -- -u'))).toMatch(/not a name/);
      expect(problem(line('printenv ../X'))).toMatch(/not a name/);
    });

    it('refuse operands where a program takes none', () => {
      for (const text of ['uname x', 'whoami root', 'nproc 2', 'tr a b c']) {
        expect(line(text).ok, text).toBe(false);
      }
    });

    it('refuse a word known only at run time where options are read', () => {
      expect(problem(judge('cat', dynamicWord('$f')))).toMatch(/run time/);
      expect(
        values(ok(judge('cat', { text: '"$HOME/x"', glob: false, notOption: true })).reads),
      ).toEqual([undefined]);
    });
  });

  describe('unknown options are denied', () => {
    const UNKNOWN = [
      'cat --frobnicate f',
      'head -x f',
      'tail --frobnicate f',
      'wc --total=always f',
      'cut --frobnicate f',
      'tr --frobnicate a b',
      'ls --frobnicate',
      'stat --frobnicate f',
      'du --frobnicate',
      'df --sync',
      'readlink --frobnicate f',
      'realpath --frobnicate f',
      'basename --frobnicate x',
      'dirname --frobnicate x',
      'md5sum --frobnicate f',
      'sha256sum --frobnicate f',
      'file --frobnicate f',
      'zcat -k f.gz',
      'zcat --stdout f.gz',
      'which -x ls',
      'whoami --frobnicate',
      'nproc -x',
      'uname --frobnicate',
      'id --frobnicate',
      'printenv --frobnicate',
      'sleep --frobnicate 1',
      'date --frobnicate',
      'uniq --frobnicate',
      // Obsolete numeric forms other than digits alone deny.
      'tail -1c f',
    ];
    it.each(UNKNOWN)('%s', (text) => {
      expect(problem(line(text))).toMatch(/no option|takes no|needs a value/);
    });
  });

  it('reads the obsolete numeric first argument of head and tail as --lines', () => {
    expect(values(ok(line('head -20 f')).canonical)).toEqual(['--lines=20', 'f']);
    expect(values(ok(line('tail +5 f')).canonical)).toEqual(['--lines=+5', 'f']);
  });

  it('refuses file -m, whose value is a list of files and directories', () => {
    expect(problem(line('file -m /etc/shadow:/x f'))).toMatch(/does not split/);
  });

  it('takes which operands after the first as operands, as getopts does', () => {
    expect(values(ok(line('which ls -a')).canonical)).toEqual(['ls', '-a']);
  });
});
