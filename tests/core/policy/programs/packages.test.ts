import { describe, expect, it } from 'vitest';
import { SPECS } from '../../../../src/core/policy/programs/packages.js';
import { ok, problem, specsOf, values, expectWellFormed } from '../../../support/program-spec.js';
import { dynamicWord } from '../../../../src/core/policy/shell-syntax.js';

const { judge, line } = specsOf(SPECS);

/** Every command, option group and sub-command of a spec, for the structural checks. */
describe('package specs', () => {
  it('specify exactly the programs of the group, once each', () => {
    expect(SPECS.map((s) => s.name).sort()).toEqual(
      ['apt', 'apt-cache', 'crontab', 'docker', 'dpkg', 'rpm'].sort(),
    );
  });

  it('write every option as --help does, and each option once per command', () => {
    expectWellFormed(SPECS);
  });

  describe('everyday forms are low risk and write nothing', () => {
    const EVERYDAY = [
      'dpkg -l',
      'dpkg -l nginx*',
      'dpkg --list openssh-server',
      'dpkg -L openssh-server',
      'dpkg -s nginx',
      'dpkg --status nginx',
      'dpkg -S /usr/bin/ls',
      'dpkg -S /etc/shadow',
      'dpkg -p nginx',
      'dpkg --get-selections',
      'dpkg --print-architecture',
      'dpkg --print-foreign-architectures',
      'dpkg -c /var/cache/apt/archives/nginx_1.22.1-9_amd64.deb',
      'dpkg -C',
      'dpkg -V nginx',
      'dpkg --no-pager -l',
      'dpkg --compare-versions 1.2 lt 1.10',
      'apt list --installed',
      'apt list --upgradable',
      'apt list -a nginx',
      'apt list --manual-installed',
      'apt -qq list --installed',
      'apt list --installed -qq',
      'apt show nginx',
      'apt info nginx',
      'apt show -a openssl',
      'apt search -n ^nginx',
      'apt policy nginx',
      'apt depends nginx',
      'apt rdepends --installed libssl3',
      'apt showsrc nginx',
      'apt-cache policy nginx',
      'apt-cache show nginx',
      'apt-cache show -a nginx',
      'apt-cache showpkg nginx',
      'apt-cache search --names-only nginx',
      'apt-cache depends --no-recommends --no-suggests nginx',
      'apt-cache rdepends --recurse --installed libc6',
      'apt-cache madison nginx',
      'apt-cache stats',
      'apt-cache pkgnames ngin',
      'apt-cache showsrc nginx',
      'apt-cache unmet',
      'apt-cache -q policy',
      'rpm -qa',
      'rpm -q nginx',
      'rpm -qi nginx',
      'rpm -qil openssh-server',
      'rpm -ql openssh-server',
      'rpm -qc openssh-server',
      'rpm -qd bash',
      'rpm -qf /usr/bin/ls',
      'rpm -qf /etc/shadow',
      'rpm -qR bash',
      'rpm -q --requires bash',
      'rpm -q --provides bash',
      'rpm -q --whatprovides libssl.so.3()(64bit)',
      'rpm -q --changelog kernel',
      'rpm -q --scripts nginx',
      'rpm -qa --last',
      'rpm -qa -last',
      'rpm -q -fileclass bash',
      'rpm -qa --qf %{NAME}-%{VERSION}\\n',
      'rpm -qa --queryformat=%{NAME}\\n',
      'rpm -V --noscripts openssh-server',
      'rpm -Va --noscripts',
      'rpm --version',
      'crontab -l',
      'crontab -u root -l',
      'crontab -lu root',
      'docker ps',
      'docker ps -a',
      'docker ps -aq',
      'docker ps --format {{.Names}}',
      'docker ps -f status=exited --no-trunc -n 5',
      'docker logs web',
      'docker logs --tail 100 -t web',
      'docker logs -f --since 10m web',
      'docker logs -n 50 web',
      'docker images',
      'docker images -a --digests',
      'docker images registry.example.com/team/app:1.2',
      'docker stats --no-stream',
      'docker stats --no-stream --format {{.Name}} web db',
      'docker version',
      'docker top web',
      'docker port web',
      'docker port web 80/tcp',
      'docker diff web',
      'docker container ls -a',
      'docker container ps',
      'docker container logs --tail 10 web',
      'docker image ls',
      'docker image list -q',
      'docker system df -v',
      'docker --log-level debug ps',
      'docker -D ps',
    ];
    it.each(EVERYDAY)('%s', (text) => {
      const j = ok(line(text));
      expect(j.risk).toBe('low');
      expect(j.writes).toEqual([]);
      expect(j.secret).toBeUndefined();
    });
  });

  describe('dpkg', () => {
    it.each([
      'dpkg -i /tmp/x_1.0_all.deb',
      'dpkg --install x.deb',
      'dpkg -r nginx',
      'dpkg -P nginx',
      'dpkg --purge nginx',
      'dpkg --configure -a',
      'dpkg --unpack x.deb',
      'dpkg --set-selections',
      'dpkg --clear-selections',
      'dpkg --add-architecture i386',
      'dpkg --remove-architecture i386',
      'dpkg -i -R /tmp/debs',
    ])('%s changes packages (high)', (text) => {
      const j = ok(line(text));
      expect(j.risk).toBe('high');
      expect(j.does).toContain('changes installed packages');
    });

    it.each([
      'dpkg --pre-invoke=/bin/sh -l',
      'dpkg --post-invoke /bin/sh -i x.deb',
      'dpkg --status-logger=sh -l',
    ])('%s runs a command: refused', (text) => {
      expect(problem(line(text))).toMatch(/runs a shell command/);
    });

    it.each([
      'dpkg --root=/mnt -l',
      'dpkg --admindir /tmp/db -l',
      'dpkg --instdir=/mnt -i x.deb',
      'dpkg --log=/tmp/log -i x.deb',
      'dpkg --force-all -i x.deb',
      'dpkg -x x.deb /',
      'dpkg --extract x.deb /',
      'dpkg -b dir x.deb',
      'dpkg --lis',
      'dpkg -Z',
    ])('%s is unknown, so it denies', (text) => {
      expect(problem(line(text))).toMatch(/has no option|is not an option/);
    });

    it('reads a dash word after an operand as an option, the safer reading', () => {
      expect(values(ok(line('dpkg -L nginx -i')).canonical)).toEqual([
        '--listfiles',
        '--install',
        'nginx',
      ]);
      expect(ok(line('dpkg -L nginx -i')).risk).toBe('high');
      expect(ok(judge('dpkg', '-l', { text: 'nginx*', value: 'nginx*', glob: true })).risk).toBe(
        'low',
      );
    });
  });

  describe('apt', () => {
    it.each([
      ['apt install nginx', 'installs packages'],
      ['apt install -y --no-install-recommends nginx', 'installs packages'],
      ['apt -y install nginx', undefined],
      ['apt remove nginx', 'removes packages'],
      ['apt purge nginx', 'purges packages'],
      ['apt autoremove -y', 'removes packages'],
      ['apt upgrade -y', 'upgrades packages'],
      ['apt full-upgrade', 'upgrades packages'],
      ['apt dist-upgrade', 'upgrades packages'],
      ['apt reinstall nginx', 'reinstalls packages'],
      ['apt satisfy foo (>= 1.0)', 'installs packages'],
      ['apt update', 'refreshes the package lists from the repositories'],
      ['apt install -s nginx', 'installs packages'],
    ])('%s is high', (text, does) => {
      if (does === undefined) {
        // -y is an install option, not a global one.
        expect(problem(line(text))).toMatch(/has no option -y/);
        return;
      }
      const j = ok(line(text));
      expect(j.risk).toBe('high');
      expect(j.does).toContain(does);
    });

    it('says when a local package file is installed', () => {
      const j = ok(line('apt install ./x_1.0_all.deb'));
      expect(j.risk).toBe('high');
      expect(j.does.join(' ')).toMatch(/local file \(\.\/x_1\.0_all\.deb\).*maintainer scripts/);
      expect(ok(line('apt install nginx/bookworm-backports')).does).toEqual(['installs packages']);
    });

    it('apt clean is medium', () => {
      expect(ok(line('apt clean')).risk).toBe('medium');
      expect(ok(line('apt autoclean')).risk).toBe('medium');
    });

    it.each([
      'apt update -o APT::Update::Pre-Invoke::=/bin/sh',
      'apt -o Dpkg::Pre-Invoke::=sh install sl',
      'apt install -y -c /tmp/conf sl',
      'apt list --option=Dir::Etc=/tmp',
      'apt --config-file /tmp/x list',
      'apt-cache -o Dir::Cache=/tmp policy',
      'apt-cache policy -c /tmp/x',
    ])('%s sets apt configuration: refused', (text) => {
      expect(problem(line(text))).toMatch(/sets apt configuration/);
    });

    it.each([
      ['apt changelog apt', /pager/],
      ['apt edit-sources', /editor/],
      ['apt download nginx', /downloads packages/],
      ['apt source nginx', /downloads source/],
    ])('%s is refused', (text, why) => {
      expect(problem(line(text))).toMatch(why);
    });

    it.each([
      'apt moo',
      'apt lis',
      'apt List',
      'apt list --allow-unauthenticated',
      'apt install --allow-downgrades nginx',
      'apt install --solver ../../tmp/x nginx',
      'apt show --with-source /tmp/x.deb nginx',
      'apt list --INSTALLED',
      'apt list --install',
    ])('%s denies', (text) => {
      expect(problem(line(text))).toMatch(/has no (option|sub-command)|is not an option/);
    });
  });

  describe('apt-cache', () => {
    it('--pkg-cache and --src-cache name files it writes', () => {
      expect(values(ok(line('apt-cache --pkg-cache=/etc/x policy')).writes)).toEqual(['/etc/x']);
      expect(values(ok(line('apt-cache policy -p /tmp/pc')).writes)).toEqual(['/tmp/pc']);
      expect(values(ok(line('apt-cache -s /tmp/sc show nginx')).writes)).toEqual(['/tmp/sc']);
    });

    it('gencaches rebuilds the caches (medium)', () => {
      expect(ok(line('apt-cache gencaches')).risk).toBe('medium');
    });

    it.each(['apt-cache add x', 'apt-cache sho nginx', 'apt-cache show -f nginx'])(
      '%s denies',
      (text) => {
        expect(problem(line(text))).toMatch(/has no (option|sub-command)/);
      },
    );
  });

  describe('rpm', () => {
    it.each([
      'rpm -i x-1.0-1.noarch.rpm',
      'rpm -ivh x-1.0-1.noarch.rpm',
      'rpm -Uvh x.rpm',
      'rpm -F x.rpm',
      'rpm -e nginx',
      'rpm --erase --nodeps nginx',
      'rpm --install x.rpm',
      'rpm --reinstall x.rpm',
      'rpm --rebuilddb',
      'rpm --initdb',
      'rpm --setperms nginx',
      'rpm --setugids nginx',
      'rpm --restore nginx',
      'rpm -rebuilddb',
      'rpm --import /tmp/key.asc',
    ])('%s changes packages (high)', (text) => {
      const j = ok(line(text));
      expect(j.risk).toBe('high');
    });

    it('-i is --info after -q, and an install without it', () => {
      expect(ok(line('rpm -qi nginx')).risk).toBe('low');
      expect(ok(line('rpm -q -i nginx')).risk).toBe('low');
      expect(ok(line('rpm -i nginx -q')).risk).toBe('low');
      expect(ok(line('rpm -i nginx.rpm')).risk).toBe('high');
      // A --query after -- is a package name: rpm installs.
      expect(ok(line('rpm -i x.rpm -- --query')).risk).toBe('high');
    });

    it.each([
      ['rpm --eval %(/bin/sh 1>&2)', /expands rpm macros/],
      ['rpm -E %{lua:os.execute("sh")}', /expands rpm macros/],
      ['rpm -q --define=_dbpath /tmp nginx', /expands rpm macros/],
      ['rpm -qa -D x', /expands rpm macros/],
      ['rpm -qa --macros=/tmp/m', /expands rpm macros/],
      ['rpm -qa --rcfile /tmp/rc', /expands rpm macros/],
      ['rpm -qa --color %(sh)', /expands rpm macros/],
      ['rpm -qa -color %(sh)', /expands rpm macros/],
      ['rpm -qa --httpproxy %(sh)', /expands rpm macros/],
      ['rpm --pipe /bin/sh -qa', /runs a shell command/],
      ['rpm -qa --pipe=sh', /runs a shell command/],
      ['rpm -q --specfile x.spec', /rpmspec/],
      ['rpm -qpl x.rpm', /reads package files/],
      ['rpm -qp /etc/shadow', /reads package files/],
      ['rpm -q --root /mnt nginx', /another root/],
      ['rpm -qa --dbpath /tmp/db', /another root/],
      ['rpm -qa -r /mnt', /another root/],
      ['rpm -qa --qf %{NAME:expand}', /:expand/],
      ['rpm -qa --queryformat=%{SUMMARY:expand}', /:expand/],
      ['rpm -V nginx', /verifyscript/],
      ['rpm -Va', /verifyscript/],
      ['rpm -qV nginx', /verifyscript/],
      ['rpm -i http://example.com/x.rpm', /network/],
      ['rpm -qa --dupes', /has no option --dupes/],
      ['rpm -qa --trace', /has no option --trace/],
      ['rpm -q --qf-x nginx', /has no option/],
      ['rpm', /query mode/],
      ['rpm -a', /query mode/],
      ['rpm -l nginx', /query mode/],
    ])('%s is refused', (text, why) => {
      expect(problem(line(text))).toMatch(why);
    });

    it('refuses a query format known only at run time', () => {
      expect(problem(judge('rpm', '-qa', '--qf', dynamicWord('"$F"')))).toMatch(
        /run time|known only/,
      );
    });

    it('refuses a word known only at run time where options are read', () => {
      expect(problem(judge('rpm', '-q', dynamicWord('$X')))).toMatch(/run time/);
    });
  });

  describe('crontab', () => {
    it.each([
      ['crontab -r', 'removes the crontab'],
      ['crontab -ri', 'removes the crontab'],
      ['crontab -u alice -r', 'removes the crontab'],
      ['crontab /tmp/cron', 'replaces the crontab with /tmp/cron'],
      ['crontab -u root /tmp/cron', 'replaces the crontab with /tmp/cron'],
      ['crontab -', 'replaces the crontab with its standard input'],
      ['crontab', 'replaces the crontab with its standard input'],
      ['crontab -u root', 'replaces the crontab with its standard input'],
      ['crontab -- -l', 'replaces the crontab with -l'],
    ])('%s is high', (text, does) => {
      const j = ok(line(text));
      expect(j.risk).toBe('high');
      expect(j.does.join(' ')).toContain(does);
    });

    it.each([
      ['crontab -e', /editor/],
      ['crontab -u root -e', /editor/],
      ['crontab -l /tmp/x', /takes no file/],
      ['crontab -u ../x -l', /not a name/],
      ['crontab -u a/b -l', /not a name/],
      ['crontab -n host', /has no option -n/],
      ['crontab -c', /has no option -c/],
      ['crontab -l --list', /has no option --list/],
      ['crontab /etc/shadow', /secret/],
    ])('%s is refused', (text, why) => {
      const j = line(text);
      if (j.ok) expect(j.secret).toMatch(why);
      else expect(j.problem).toMatch(why);
    });
  });

  describe('docker', () => {
    it.each(['docker start web', 'docker stop web db', 'docker restart -t 5 web'])(
      '%s is medium service control',
      (text) => {
        const j = ok(line(text));
        expect(j.risk).toBe('medium');
        expect(j.writes).toEqual([]);
      },
    );

    it('docker container stop is the same as docker stop', () => {
      expect(ok(line('docker container stop -s KILL web')).does).toEqual(['stops containers']);
    });

    it.each([
      'docker inspect web',
      'docker inspect -f {{.State.Status}} web',
      'docker container inspect web',
    ])('%s shows the environment: a secret', (text) => {
      expect(ok(line(text)).secret).toMatch(/environment/);
    });

    it.each([
      'docker -H ssh://other ps',
      'docker --host=tcp://10.0.0.1:2375 ps',
      'docker -c prod ps',
      'docker --context prod ps',
      'docker --config /tmp/dc ps',
      'docker --tlsverify ps',
    ])('%s reaches another daemon or config: refused', (text) => {
      expect(problem(line(text))).toMatch(/another Docker daemon/);
    });

    it.each([
      'docker run -v /:/mnt --rm -it alpine chroot /mnt /bin/sh',
      'docker exec web sh',
      'docker cp web:/etc/shadow /tmp/x',
      'docker rm web',
      'docker compose up',
      'docker container exec web sh',
      'docker container rm web',
      'docker image rm nginx',
      'docker system prune',
      'docker pss',
    ])('%s denies', (text) => {
      expect(problem(line(text))).toMatch(/has no sub-command/);
    });

    it.each([
      'docker ps --filter=x -x',
      'docker ps -H x',
      'docker logs --follo web',
      'docker start -i web',
      'docker ps --no-stream',
    ])('%s has an unknown option', (text) => {
      expect(problem(line(text))).toMatch(/has no option|is not an option/);
    });

    it.each([
      ['docker logs ../x', /not a name/],
      ['docker stop a/b', /not a name/],
      ['docker logs web db', /at most 1/],
      ['docker top web aux', /at most 1/],
      // What follows the container is ps options, which are left out.
      ['docker top web -ef', /at most 1/],
      ['docker port ../x', /not a container/],
      ['docker port web http', /not a port/],
      ['docker ps web', /no operands/],
      ['docker version x', /no operands/],
    ])('%s is refused', (text, why) => {
      expect(problem(line(text))).toMatch(why);
    });

    it('a container named only at run time is refused', () => {
      expect(problem(judge('docker', 'logs', dynamicWord('$C')))).toMatch(/run time/);
    });
  });
});
