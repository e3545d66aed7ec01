import { describe, expect, it } from 'vitest';
import { type ProgramJudgement } from '../../../../src/core/policy/program-spec.js';
import { SPECS } from '../../../../src/core/policy/programs/changes.js';
import { ok, problem, specsOf, values, expectWellFormed } from '../../../support/program-spec.js';
import { dynamicWord } from '../../../../src/core/policy/shell-syntax.js';

const { judge, line } = specsOf(SPECS);

/** A secret read, or a refusal naming one. */
function secret(j: ProgramJudgement): string {
  if (!j.ok) throw new Error(`expected a secret, got the problem ${j.problem}`);
  if (!j.secret) throw new Error(`expected a secret, got ${JSON.stringify(j.canonical)}`);
  return j.secret;
}

const PROGRAMS = 'rm mv cp ln chmod chown chgrp tee truncate install rsync sed mkdir touch'.split(
  ' ',
);

describe('change specs', () => {
  it('specify exactly the programs of the group, once each', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual([...PROGRAMS].sort());
  });

  it('write every option as --help does, and each option once per program', () => {
    expectWellFormed(SPECS);
  });

  describe('everyday changes are medium and name what they write', () => {
    const EVERYDAY: [string, string[]][] = [
      ['rm /tmp/x', ['/tmp/x']],
      ['rm -f /tmp/a /tmp/b', ['/tmp/a', '/tmp/b']],
      ['rm -d /tmp/emptydir', ['/tmp/emptydir']],
      ['rm -v -- -weird', ['-weird']],
      ['mv /tmp/a /tmp/b', ['/tmp/a', '/tmp/b']],
      ['mv -t /srv/old /srv/a /srv/b', ['/srv/old', '/srv/a', '/srv/b']],
      ['mv --target-directory=/srv/old /srv/a', ['/srv/old', '/srv/a']],
      ['mv -b -S .orig /tmp/new.conf /etc/app.conf', ['/tmp/new.conf', '/etc/app.conf']],
      ['cp /etc/nginx/nginx.conf /tmp/nginx.conf', ['/tmp/nginx.conf']],
      ['cp -a /srv/app /srv/app.bak', ['/srv/app.bak']],
      ['cp -rp /var/www/html /tmp/html', ['/tmp/html']],
      ['cp -t /tmp /etc/hosts /etc/resolv.conf', ['/tmp']],
      ['cp --backup=numbered new.conf /etc/app.conf', ['/etc/app.conf']],
      ['cp a.txt b.txt', ['b.txt']],
      [
        'ln -s /etc/nginx/sites-available/app /etc/nginx/sites-enabled/app',
        ['/etc/nginx/sites-enabled/app'],
      ],
      ['ln -sfn /srv/releases/42 /srv/current', ['/srv/current']],
      ['ln -fs /bin/sh /bin/ln', ['/bin/ln']],
      ['chmod 644 /etc/app.conf', ['/etc/app.conf']],
      ['chmod u+x,g-w /srv/run.sh', ['/srv/run.sh']],
      ['chmod 1777 /srv/shared', ['/srv/shared']],
      ['chmod g-s /srv/dir', ['/srv/dir']],
      ['chown www-data:www-data /srv/app/log', ['/srv/app/log']],
      ['chown -h root /srv/link', ['/srv/link']],
      ['chgrp adm /var/log/app.log', ['/var/log/app.log']],
      ['tee /tmp/out', ['/tmp/out']],
      ['tee -a /etc/hosts', ['/etc/hosts']],
      ['truncate -s 0 /var/log/big.log', ['/var/log/big.log']],
      ['truncate --size=10M /tmp/f', ['/tmp/f']],
      ['install -d /srv/app/run', ['/srv/app/run']],
      ['install -o root -g root /tmp/app /usr/local/bin/app', ['/usr/local/bin/app']],
      ['mkdir /srv/new', ['/srv/new']],
      ['mkdir -p -m 750 /srv/a/b', ['/srv/a/b']],
      ['touch /tmp/marker', ['/tmp/marker']],
      ['touch -d 2024-01-01 /tmp/x', ['/tmp/x']],
      ['touch -r /etc/shadow /tmp/x', ['/tmp/x']],
      ['touch -c -t 202401010000 /tmp/x', ['/tmp/x']],
      ['rsync -av /srv/app/ /backup/app/', ['/srv/app/', '/backup/app/']],
      ['rsync -a --exclude=*.log --progress -h /srv/a/ /srv/b/', ['/srv/a/', '/srv/b/']],
      ['rsync -n -a -i /srv/a/ /srv/b/', ['/srv/a/', '/srv/b/']],
      ['rsync -P big.iso /tmp/', ['big.iso', '/tmp/']],
    ];
    it.each(EVERYDAY)('%s', (text, written) => {
      const j = ok(line(text));
      expect(j.risk).toBe('medium');
      expect(j.secret).toBeUndefined();
      expect(values(j.writes)).toEqual(written);
    });
  });

  describe('rm', () => {
    it.each(['rm -r /tmp/dir', 'rm -R /tmp/dir', 'rm --recursive /tmp/dir'])(
      '%s is high',
      (text) => {
        expect(ok(line(text)).risk).toBe('high');
      },
    );

    it.each(['rm -rf /tmp/dir', 'rm -fr /srv/old', 'rm -R --force /srv/old'])(
      '%s, recursive without asking, is critical',
      (text) => {
        expect(ok(line(text)).risk).toBe('critical');
      },
    );

    it('rm --no-preserve-root is critical', () => {
      expect(ok(line('rm -rf --no-preserve-root /')).risk).toBe('critical');
    });

    it.each(['rm --recurse /tmp/x', 'rm -x /tmp/x', 'rm --forc /tmp/x'])('%s denies', (text) => {
      expect(problem(line(text))).toMatch(/option/);
    });
  });

  describe('what cp, mv, ln, install and rsync take from a secret place is a secret read', () => {
    it.each([
      'cp /etc/shadow /tmp/s',
      'cp /etc/shadow /dev/stdout',
      'cp -a /etc /tmp/etc',
      'cp -r /root /tmp/r',
      'cp -r /home/ /tmp/h',
      'cp -r / /tmp/all',
      'cp -r . /tmp/home',
      'cp -r .. /tmp/up',
      'cp -r ../.. /tmp/up',
      'cp -r -t /tmp/x /root',
      'cp /dev/sda /tmp/disk',
      'cp -a /dev/nvme0n1 /tmp/d',
      'cp /proc/1/environ /tmp/env',
      'cp -r /proc/1/root /tmp/fs',
      'cp /root/.ssh/id_rsa /tmp/k',
      'mv /etc/shadow /tmp/s',
      'mv /etc/ssh/ssh_host_ed25519_key /tmp/',
      'ln -s /etc/shadow /tmp/x',
      'ln -s /root /tmp/r',
      'ln -s ../../root /tmp/a/r',
      'ln -s /dev/sda /tmp/d',
      'ln /etc/gshadow /tmp/g',
      'install /etc/shadow /tmp/s',
      'rsync -a /etc/ /tmp/etc/',
      'rsync -a /root/.ssh /tmp/',
    ])('%s', (text) => {
      expect(secret(line(text))).toMatch(/secret|device|climbs|process/);
    });

    it('a source named only at run time could be a secret', () => {
      expect(secret(judge('cp', { ...dynamicWord('"$F"'), notOption: true }, '/tmp/x'))).toMatch(
        /run time/,
      );
      expect(secret(judge('cp', '-r', { ...dynamicWord('~'), notOption: true }, '/tmp/x'))).toMatch(
        /home, which holds ~\/.ssh/,
      );
    });

    it('a pattern that could match a secret is one', () => {
      expect(
        secret(judge('cp', { text: '/root/.ssh/*', value: '/root/.ssh/*', glob: true }, '/tmp/')),
      ).toMatch(/secret/);
      expect(
        ok(
          judge(
            'cp',
            { text: '/etc/nginx/*.conf', value: '/etc/nginx/*.conf', glob: true },
            '/tmp/',
          ),
        ).secret,
      ).toBeUndefined();
    });

    it('harmless devices are not secrets', () => {
      expect(ok(line('cp /dev/null /tmp/empty')).secret).toBeUndefined();
      expect(ok(line('cp /tmp/x /dev/shm/x')).secret).toBeUndefined();
    });
  });

  describe('ln, cp', () => {
    it('cp --attributes-only (GTFOBins: copies a set-user-ID bit) is high', () => {
      expect(ok(line('cp --attributes-only --preserve=all /usr/bin/passwd /tmp/x')).risk).toBe(
        'high',
      );
    });

    it.each([
      'cp --copy-contents -R /dev /tmp/d',
      'cp --cop a b',
      'ln -d /srv/a /srv/b',
      'ln --directory /srv/a /srv/b',
      'ln -F /srv/a /srv/b',
    ])('%s denies', (text) => {
      expect(problem(line(text))).toMatch(/option/);
    });
  });

  describe('chmod, chown, chgrp', () => {
    it.each([
      'chmod 4755 /tmp/bash',
      'chmod 6777 /tmp/x',
      'chmod 02755 /srv/dir',
      'chmod u+s /tmp/bash',
      'chmod g=rxs /srv/x',
      'chmod +s /tmp/x',
      'chmod --reference=/usr/bin/passwd /tmp/x',
      'chmod -R 755 /srv/app',
      'chown -R www-data /srv/app',
      'chgrp -R adm /var/log/app',
    ])('%s is high', (text) => {
      expect(ok(line(text)).risk).toBe('high');
    });

    it('--no-preserve-root is critical', () => {
      expect(ok(line('chmod -R --no-preserve-root 777 /')).risk).toBe('critical');
      expect(ok(line('chown --preserve-root -R root /srv')).risk).toBe('high');
    });

    it('a mode known only at run time is refused', () => {
      expect(
        problem(judge('chmod', { ...dynamicWord('"$M"'), notOption: true }, '/tmp/x')),
      ).toMatch(/mode known only/);
    });

    it.each(['chmod -w /tmp/x', 'chown --from root:root x /tmp/y', 'chgrp --from=x y /tmp/z'])(
      '%s denies or is read as written',
      (text) => {
        const j = line(text);
        if (text.startsWith('chown')) expect(ok(j).risk).toBe('medium');
        else expect(problem(j)).toMatch(/option/);
      },
    );
  });

  describe('tee, truncate, install', () => {
    it('tee without a file only copies its input: low', () => {
      const j = ok(line('tee'));
      expect(j.risk).toBe('low');
      expect(j.writes).toEqual([]);
      expect(ok(line('tee -a')).risk).toBe('low');
    });

    it.each([
      'install -m 755 /tmp/app /usr/local/bin/app',
      'install -m 6777 /bin/sh /tmp/',
      'install --mode=4755 x /tmp/y',
    ])('%s sets a mode: high', (text) => {
      expect(ok(line(text)).risk).toBe('high');
    });

    it('install --strip-program runs a program: refused', () => {
      expect(problem(line('install -s --strip-program=/tmp/sh x /tmp/y'))).toMatch(
        /runs a program/,
      );
    });

    it.each([
      'truncate --siz=0 /tmp/x',
      'tee --append=x /tmp/x',
      'mkdir --parent /tmp/x',
      'touch --dat=x /tmp/x',
    ])('%s denies', (text) => {
      expect(problem(line(text))).toMatch(/option|takes no value/);
    });
  });

  describe('sed', () => {
    it.each([
      'sed -n 1,10p /var/log/syslog',
      'sed s/a/b/ /etc/hosts',
      'sed -n /error/p /var/log/app.log',
      'sed -E s/(a|b)+/x/g /tmp/in',
      'sed -e s/a/b/ -e s/c/d/ /tmp/in',
      'sed --expression=1d /tmp/in',
      'sed s|/etc|/srv|g /tmp/in',
      'sed s/w/e/g /tmp/in',
      'sed /w/d /tmp/in',
      'sed \\%/etc%d /tmp/in',
      'sed 0~3d /tmp/in',
      'sed 2,+3d /tmp/in',
      'sed /a/I,/b/Md /tmp/in',
      'sed 1!G;h;$!d /tmp/in',
      'sed :a;N;$!ba;s/\\n/+/g /tmp/in',
      'sed y/abc/xyz/ /tmp/in',
      'sed q5 /tmp/in',
      'sed $!{N} /tmp/in',
      'sed -n $= /tmp/in',
      'sed #e_is_a_comment /tmp/in',
      'sed --sandbox w_/tmp/x /tmp/in',
      'sed --sandbox -f /tmp/script.sed /tmp/in',
      'sed --debug -z -s -u -l 80 --posix p /tmp/in',
    ])('%s is low and writes nothing', (text) => {
      const j = ok(judgeLine(text));
      expect(j.risk).toBe('low');
      expect(j.writes).toEqual([]);
      expect(j.secret).toBeUndefined();
    });

    it.each([
      ['sed', '1a w /tmp/x', '/tmp/in'],
      ['sed', '$a\\\ne id', '/tmp/in'],
      ['sed', '-e', 'a\\', '-e', 'e id', '/tmp/in'],
      ['sed', '/x/i\\\n  r /etc/shadow', '/tmp/in'],
      ['sed', 'c\\\nfoo\\\nw /tmp/x', '/tmp/in'],
    ])('a/i/c text is not commands: %s %s', (...args) => {
      const [name = '', ...rest] = args;
      expect(ok(judge(name, ...rest)).risk).toBe('low');
    });

    it.each([
      ['sed -n 1e_exec_/bin/sh_1>&0 /etc/hosts', /runs a command/],
      ['sed e', /runs a command/],
      ['sed s/x/id/e /tmp/in', /s\/\/\/e/],
      ['sed -n 1s/.*/DATA/w_/tmp/out /etc/hosts', /s\/\/\/w/],
      ['sed s/a/b/3w_/tmp/x /tmp/in', /s\/\/\/w/],
      ['sed r_/etc/shadow /dev/null', /reads a file/],
      ['sed 1R_/etc/shadow /tmp/in', /reads a file/],
      ['sed w_/tmp/x /tmp/in', /writes a file/],
      ['sed $W_/tmp/x /tmp/in', /writes a file/],
      ['sed -e p -e w_/tmp/x /tmp/in', /writes a file/],
      ['sed -i 1e_id /tmp/in', /runs a command/],
      ['sed 1{p;e_id} /tmp/in', /runs a command/],
      ['sed /x/!e /tmp/in', /runs a command/],
      ['sed p;_e_id /tmp/in', /runs a command/],
      ['sed -f /tmp/script.sed /tmp/in', /-f reads a script/],
      ['sed --file=/tmp/s /tmp/in', /-f reads a script/],
      ['sed bx#;e_id /tmp/in', /certainty/],
      ['sed bx};e_id /tmp/in', /certainty/],
      ['sed L /tmp/in', /certainty/],
      ['sed s/a/b /tmp/in', /certainty/],
      ['sed 1{p /tmp/in', /certainty/],
      ['sed p} /tmp/in', /certainty/],
      ['sed px /tmp/in', /certainty/],
      ['sed --sandbo p /tmp/in', /option/],
      ['sed -x p /tmp/in', /option/],
    ])('%s is refused', (text, why) => {
      expect(problem(judgeLine(text))).toMatch(why);
    });

    it('a text line ending in an escaped backslash ends the text', () => {
      expect(problem(judge('sed', '-e', 'a foo\\\\', '-e', 'e id', '/tmp/in'))).toMatch(
        /runs a command/,
      );
    });

    it('a script known only at run time is refused, unless --sandbox', () => {
      expect(problem(judge('sed', dynamicWord('"$S"'), '/tmp/in'))).toMatch(/run time/);
      expect(problem(judge('sed', '-e', dynamicWord('"$S"'), '/tmp/in'))).toMatch(/run time/);
      expect(ok(judge('sed', '--sandbox', '-e', dynamicWord('"$S"'), '/tmp/in')).risk).toBe('low');
    });

    it('the files it reads are checked for secrets (GTFOBins: sed "" FILE)', () => {
      expect(secret(judge('sed', '', '/etc/shadow'))).toMatch(/shadow/);
      expect(secret(line('sed --sandbox -f /etc/shadow /tmp/in'))).toMatch(/shadow/);
      // The script is not a file: a pattern naming shadow is fine.
      expect(ok(line('sed -n /shadow/p /var/log/auth.log')).secret).toBeUndefined();
    });

    it('-i edits the files in place: high, and names them', () => {
      const j = ok(line('sed -i s/a/b/ /etc/app.conf /etc/other.conf'));
      expect(j.risk).toBe('high');
      expect(j.does.join(' ')).toMatch(/edits in place: \/etc\/app\.conf \/etc\/other\.conf/);
      const backup = ok(line('sed -i.bak -e s/a/b/ /etc/app.conf'));
      expect(backup.risk).toBe('high');
      expect(backup.does.join(' ')).toMatch(/keeping backups/);
      expect(ok(line('sed --in-place=.orig 1d /etc/app.conf')).risk).toBe('high');
      // -ie is -i with the suffix e, as GNU sed reads it; the script is the operand.
      expect(ok(line('sed -ie s/a/b/ /etc/app.conf')).does.join(' ')).toMatch(/\/etc\/app\.conf/);
    });
  });

  describe('rsync', () => {
    it.each([
      'rsync -a --delete /srv/a/ /srv/b/',
      'rsync -a --delete-after /srv/a/ /srv/b/',
      'rsync -a --del /srv/a/ /srv/b/',
      'rsync -a --delete-excluded --exclude=*.tmp /srv/a/ /srv/b/',
      'rsync --remove-source-files /srv/a/x /srv/b/',
    ])('%s deletes: high', (text) => {
      expect(ok(line(text)).risk).toBe('high');
    });

    it.each([
      ["rsync -e sh_-c_'sh_0<&2_1>&2' x:x", /runs a program or reaches another host/],
      ['rsync --rsh=ssh /srv/a /srv/b', /runs a program or reaches another host/],
      ['rsync --rsync-path=/tmp/x /srv/a /srv/b', /runs a program or reaches another host/],
      ['rsync --daemon', /runs a program or reaches another host/],
      ['rsync x:x /tmp/', /another host/],
      ['rsync -a /srv/a backup@host:/srv/', /another host/],
      ['rsync -a host::module /tmp/', /another host/],
      ['rsync -a rsync://host/module /tmp/', /another host/],
      ['rsync --filter=merge_/etc/shadow /srv/a /srv/b', /option/],
      ['rsync --chmod=u+s /srv/a /srv/b', /option/],
      ['rsync --write-devices /tmp/img /dev/sda', /option/],
      ['rsync --copy-devices /dev/sda /tmp/img', /option/],
      ['rsync --del-after /srv/a /srv/b', /option/],
    ])('%s is refused', (text, why) => {
      expect(problem(judgeLine(text))).toMatch(why);
    });

    it('a name known only at run time could be another host', () => {
      expect(problem(judge('rsync', '-a', dynamicWord('"$SRC"'), '/tmp/x'))).toMatch(/run time/);
    });

    it('files it writes besides the destination are writes; lists it reads are reads', () => {
      const j = ok(
        line('rsync -a --backup-dir=/srv/bak --log-file=/var/log/r.log /srv/a/ /srv/b/'),
      );
      expect(values(j.writes)).toEqual(['/srv/bak', '/var/log/r.log', '/srv/a/', '/srv/b/']);
      const list = ok(line('rsync -a --files-from=/tmp/list /srv/ /tmp/b/'));
      expect(values(list.reads)).toEqual(['/tmp/list']);
    });

    it('copying from / or /etc with a list is a secret read', () => {
      expect(secret(line('rsync -a --files-from=/tmp/list / /tmp/b/'))).toMatch(/holds secrets/);
    });
  });
});

/** Judges a line whose arguments hold spaces written as _. */
function judgeLine(text: string): ProgramJudgement {
  const [name = '', ...args] = text.split(' ');
  return judge(name, ...args.map((a) => a.replace(/_/g, ' ')));
}
