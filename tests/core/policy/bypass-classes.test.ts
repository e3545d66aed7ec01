import { beforeAll, describe, expect, it } from 'vitest';
import type { PolicyEngine } from '../../../src/core/policy/engine.js';
import { engine, policyFleet, userWith } from '../../support/policy.js';

/**
 * The classes of the security review (issue 12), each with forms that changed a host while the
 * plan said allow. Every row must be denied under read-only.
 */
const CLASSES: Record<string, string[]> = {
  'words the walker never visited (after a redirection)': [
    "env </dev/null sh -c 'touch /tmp/x'",
    'env </dev/null touch /tmp/x',
    'echo 2>/dev/null x; cat </dev/null /etc/hostname >/tmp/x',
    'nice </dev/null rm -rf /srv',
  ],
  'the policy modelled bash, the host ran another shell': [
    '((rm -rf /srv))',
    "sh -c 'rm -rf /srv'",
    "dash -c 'touch /tmp/x'",
    "watch -n 1 'touch /tmp/x'",
    "su -c 'touch /tmp/x' other",
    'busybox sh -c id',
  ],
  'wrapper options read with a home-made grammar': [
    'env -iu echo rm -rf /srv',
    'env --un echo rm -rf /srv',
    'env --un=echo rm -rf /srv',
    "env --sp='rm -rf /srv'",
    "env -S'rm -rf /srv'",
    'env -vS rm',
    'env A-B=/usr/bin/echo rm -rf /srv',
    'sudo --pro x rm -rf /srv',
    'sudo -nu other rm -rf /srv',
    'sudo --us=other rm -rf /srv',
    'sudo -s rm -rf /srv',
    'sudo -b sleep 100',
    'xargs -eEOF rm < list',
    'xargs -e rm < list',
    'timeout --sig=KILL 5 rm -rf /srv',
    'nice -5 rm -rf /srv',
    'nice --adj=3 rm -rf /srv',
    'stdbuf -oL rm -rf /srv',
    'time -o /etc/passwd ls',
    'setsid sleep 100',
    'chroot /tmp/root ls',
    'find / -fprint /etc/x',
    'find / -name x -delete',
    'find / -newerXY x',
    'echo touch | xargs -I ls ls /tmp/x',
    'echo touch | xargs -ils ls /tmp/x',
    "find /usr/bin -name 'touc?' -exec {} /tmp/x \\;",
    "find /usr/bin -name 'ouch' -exec t{} /tmp/x \\;",
    "su -s /bin/bash -c 'ls' other -c 'touch /tmp/x'",
  ],
  'words known only at run time where they decide what runs': [
    '$(echo rm) -rf /srv',
    '${X:-rm} -rf /srv',
    '/usr/bin/r? -rf /srv',
    '{rm,-rf,/srv}',
    'env $OPT rm -rf /srv',
    'sudo $OPT ls',
    'find / $PRIMARY',
    'find / -name x $ACTION',
    'timeout $T ls',
    './ls',
    '/tmp/ls -la',
    '/usr/../tmp/ls',
  ],
  'strings bash evaluates as code': [
    "test -v 'a[$(touch /tmp/x)]'",
    "[ -v 'a[$(touch /tmp/x)]' ]",
    '[[ -v a[$(touch /tmp/x)] ]]',
    '[[ $x -eq 1 ]]',
    "printf -v 'a[$(touch /tmp/x)]' %s x",
    'echo ${!x}',
    'echo ${x@P}',
    'echo $((x))',
    'echo ${a[$i]}',
    'echo ${x:$o}',
    "let 'a[$(touch /tmp/x)]'",
    'mapfile -C id -c 1 < /etc/hostname',
    'hash -p /usr/bin/touch cat; cat /tmp/x',
    'echo {fd}>/dev/null',
    'read x',
    'coproc sleep 100',
    'echo ${x#$(touch /tmp/x)}',
    'echo ${x%%`touch /tmp/x`}',
    '[[ x =~ $(touch /tmp/x) ]]',
    'cat <<EOF\n$(touch /tmp/x)\nEOF',
  ],
  'found by an adversarial review of the new walker': [
    '[ x > /tmp/pwn ]',
    '[ x = y -o x >> /tmp/pwn ]',
    '[ x < /dev/tcp/127.0.0.1/1 ]',
    "test $'\\x2dv' 'a[$(touch /tmp/pwn)]'",
    "echo -v >/dev/null; test $_ 'a[$(touch /tmp/pwn)]'",
    "echo ${x:=-v} >/dev/null; test $x 'a[$(touch /tmp/pwn)]'",
    "cat <<$'EOF'\nx\nEOF\ntouch /tmp/pwn\n$'EOF'",
    'echo `echo \\`touch /tmp/pwn\\``',
    'echo `echo "\\$(touch /tmp/pwn)"`',
    `echo "\${x:-'$(touch /tmp/pwn)'}"`,
    'sudo -nEp cat touch /tmp/pwn',
    "GREP='touch /tmp/pwn' zgrep x f.gz",
    'env GREP=x zgrep x f.gz',
    'DOCKER_HOST=ssh://nobody@127.0.0.1:1 docker ps',
    'OPENSSL_CONF=/tmp/x dig example.com',
  ],
  'found by a second adversarial review': [
    'echo a\r#; touch /tmp/pwn',
    'ls \f#$(touch /tmp/pwn)',
    '((1))>/tmp/pwn',
    '{ ((1)); } >/tmp/pwn',
    'echo pwned 1<f >/dev/stdout',
    'echo pwned 1<f >>/dev/fd/1',
    '{ echo pwned >/dev/fd/1; } 1<f',
    'echo ${HOME#\\\\$(touch /tmp/pwn)}',
    'echo "${HOME:+\'\\\\$(touch /tmp/pwn)\'}"',
    'echo "$\\\n(touch /tmp/pwn)"',
    'cat <<EOF\n`touch /tmp/pwn`\nEOF',
    "exec -l bash -c 'ls'",
    'exec -a xz xzcat f',
    'env -u /usr/bin/[lr][sm] ls f',
    'sudo -p /usr/bin/[lr][sm] ls f',
    'env A=/usr/bin/[lr][sm] ls f',
    'nohup echo hello 1</dev/ptmx',
    'sudo env --ignore-signal=TERM sleep 1000',
  ],
  'found by a third adversarial review': [
    'echo \\ #;touch /tmp/pwn',
    'sort /etc/hostname \\ #;rm -rf /srv',
    'echo a\\\n#;touch /tmp/pwn',
    'tr\\\nuncate -s0 /etc/hostname',
    'sort /etc/hostname -\\\no/tmp/f',
    'cat <<EOF\nEO\\\nF\ntouch /tmp/pwned\nEOF',
    'find /srv -name {x{},-o,-delete}',
    'find /srv -maxdepth 0 -name {x{},-o,-exec,touch,/srv/pwned,\\;}',
    'ls {x{},-o}',
    'sort /etc/hostname {x\\},-o/tmp/f}',
    'nohup ls 3<//dev/ptmx >&3',
    'nohup ls 3</dev/./ptmx >&3',
    'sort /etc/hostname -o/tmp/x',
    'sort /etc/hostname --output=/tmp/x',
    'find . -name *',
    'find / -name x -files0-from list -exec cat {} +',
    'env -u $(echo X rm) ls',
    'ls x$(echo " -o")',
  ],
  'found by a fourth adversarial review': [
    "echo $'\\\\';touch /tmp/pwn #'",
    "cat <<< $'\\\\';touch /tmp/pwn #'",
    "echo ${x:-$'\\\\'};touch /tmp/pwn #'}",
    "echo `echo '`;touch /tmp/pwn;`'`",
    'echo `echo a #`;touch /tmp/pwn;echo `\n`',
    "echo `cat <<'EOF'\nx`;touch /tmp/pwn;`\nEOF\n`",
    'echo 10#$(touch /tmp/pwn)',
    '[[ 1 -eq 10#$(touch /tmp/pwn) ]]',
    'echo $((10#$(touch /tmp/pwn)))',
    '((10#$(touch /tmp/pwn)))',
    'echo ${a[10#$(touch /tmp/pwn)]}',
    'echo ${HOME:10#$(touch /tmp/pwn)}',
    "echo '1+a[$(touch /tmp/pwn)]'; echo $((10#${_}))",
    'sysctl kernel/hostname=pwned',
    "ip -b - <<< 'addr add 10.9.9.9/32 dev lo'",
    'ip -force -batch /dev/stdin',
  ],
  'found by a fifth adversarial review': [
    'service ../../usr/bin/touch status',
    'sudo service ../../sbin/reboot status',
    "service '-H root@127.0.0.1 x' status",
    "LC_ALL='lo down' bash -c 'sudo ifconfig $LC_ALL'",
    "env -C '/tmp/a -o' bash -c 'sort $PWD'",
    'systemctl -l halt',
    'systemctl --no-pager soft-reboot',
    'systemctl -H root@127.0.0.1 status',
    'journalctl --host=root@127.0.0.1',
    'rpm -qa --pipe "touch /tmp/pwn"',
    'sysctl --system',
    'echo Q | xargs -I Q -n1 ss',
    'ls ~-',
  ],
  'found by a sixth adversarial review': [
    'echo ${x:-<(touch /tmp/pwn)}',
    'echo ${HOME#<(touch /tmp/pwn)}',
    'cat <<< ${x:->(touch /tmp/pwn)}',
    '[[ x =~ <(touch /tmp/pwn) ]]',
    'sudo -p == find /bin/cat -exec touch /tmp/pwn \\;',
    'command time -f =~ find /bin/cat -exec touch /tmp/pwn \\;',
    'sudo -p $ find /bin/cat -exec touch /tmp/pwn \\;',
    'cat ==\ntouch /tmp/pwn',
    'echo =~ \n\n touch /tmp/pwn',
    'echo a\n\\\ntouch /tmp/pwn',
    'echo $\n\\touch /tmp/pwn',
  ],
  'found by a differential fuzzer (1.4 million strings)': [
    "cat <<\u3000 'EOF'\n`touch /tmp/pwn`\nEOF",
    'echo ${x%{}&touch /tmp/pwn }',
    "printf x ''\"${x%{}\"''}\ntouch /tmp/pwn\n\"",
    "echo ${x^x\"}'\"' #'};touch /tmp/pwn",
    'cat<<<$\ntouch /tmp/pwn',
    'echo 2>/dev/null $\ntouch /tmp/pwn',
    "cat <<'EOF'#;touch /tmp/pwn\nEOF",
    'cat<<EOF\n`touch /tmp/pwn`$HOME\nEOF',
    '[[x = y || touch = /tmp/pwn ]]',
    '[]#>(touch /tmp/pwn)',
    "! ((echo '$(touch /tmp/pwn)'))",
    'echo <(true)x$${x,;touch /tmp/pwn }',
    '[[x > /tmp/pwn ]]',
    'echo \\x<<x\n$x`touch /tmp/pwn`',
  ],
  'run-time words that become options': [
    'ss -tn $(echo -D/tmp/ss)',
    'echo -D/tmp/x >/dev/null; ss $_',
    'ss ${X:--D/tmp/x}',
    'ss "$BASH_COMMAND"',
    'sort *',
    'cat list | xargs ss',
    'find * -name x',
  ],
  'reads that are not reads': [
    'cat < /dev/tcp/127.0.0.1/22',
    'cat < $F',
    'head -c 10 </dev/udp/127.0.0.1/53',
  ],
  'closed descriptors and glued descriptor numbers (a fifth review of issue 13)': [
    'env 2>&- bash 2>&- -c 2>&- "touch /tmp/x"',
    'systemctl >&- poweroff',
    'hostname <&- pwned',
    'env -u 0</dev/null cat touch /tmp/pwn',
    'echo a 0>/dev/null b',
    // A sixth review: digits too large for a descriptor stay a word; {a[…]}> runs its subscript.
    'hostname 4294967296>/dev/null',
    'date 123123592030>/dev/null',
    "printf '[%s]\\n' x {a['$(touch /tmp/p2)']}>/dev/null y",
  ],
};

describe('bypass classes', () => {
  let policy: PolicyEngine;
  beforeAll(async () => {
    policy = await engine();
  });
  const fleet = policyFleet();
  const host = fleet.host('web-1')!;

  for (const [name, forms] of Object.entries(CLASSES)) {
    describe(name, () => {
      for (const command of forms) {
        it(`denies ${JSON.stringify(command)} under read-only`, () => {
          const d = policy.decide({ fleet, user: userWith('read-only'), host }, command);
          expect(d.decision, d.reason).toBe('deny');
        });
      }
    });
  }

  it('judges what a wrapper really runs, with its options in canonical form', () => {
    const d = policy.decide(
      { fleet, user: userWith('read-only'), host },
      'sudo -nu www-data env -i LC_ALL=C nice -n5 timeout -sKILL 5 cat /etc/hostname',
    );
    expect(d.decision).toBe('allow');
    expect(d.commands[0]?.command).toBe(
      'sudo --non-interactive --user=www-data → env --ignore-environment → nice --adjustment=5 → timeout 5 --signal=KILL → cat /etc/hostname',
    );
  });

  it('reads bash, not tree-sitter: words after a redirection are arguments', () => {
    const d = policy.decide(
      { fleet, user: userWith('read-only'), host },
      'grep </dev/null -i error /var/log/syslog',
    );
    expect(d.decision).toBe('allow');
    expect(d.commands[0]?.command).toBe('grep -i error /var/log/syslog');
  });

  it('ends find -exec at + only right after {}, as find does', () => {
    const d = policy.decide(
      { fleet, user: userWith('read-only'), host },
      'find /dev/null -exec echo + -o -name x \\;',
    );
    expect(d.commands.map((c) => c.command)).toEqual([
      'find /dev/null -exec',
      'find -exec → echo + -o -name x …',
    ]);
  });

  it('keeps everyday forms a person would miss: [n]ginx, ~, a continued line, xargs … --', () => {
    for (const command of [
      'ps aux | grep [n]ginx',
      'ls ~ ~/x',
      'journalctl -u nginx \\\n  --no-pager',
      'find /var/log -name "*.gz" -print0 | xargs -0 ls -l --',
      'grep "error$" /var/log/syslog',
      'ip -br a',
      'echo `hostname`',
      'cat <<EOF\nhello $HOME and more\nEOF',
      'echo ${x:-"a b"} ${x#*/} ${HOME%/}',
      'ls -la # a comment',
    ]) {
      const d = policy.decide({ fleet, user: userWith('operator'), host }, command);
      expect(d.decision, `${command}: ${d.reason}`).toBe('allow');
    }
  });

  it('asks approval for a signal to a process named at run time, which could be -1', () => {
    const d = policy.decide(
      { fleet, user: userWith('operator'), host },
      'kill -HUP -- $(cat /run/nginx.pid)',
    );
    expect(d.decision, d.reason).toBe('approval_required');
  });

  it('keeps ==, =~ and a bare $ as the words they are', () => {
    const d = policy.decide({ fleet, user: userWith('read-only'), host }, 'echo == =~ $ x');
    expect(d.commands.map((c) => c.command)).toEqual(['echo == =~ $ x']);
  });

  it('reads `&>` after a word as bash does: both streams redirected, the rest are arguments', () => {
    const d = policy.decide(
      { fleet, user: userWith('read-only'), host },
      'echo x &>/dev/null rm -rf /srv',
    );
    expect(d.commands.map((c) => c.command)).toEqual(['echo x rm -rf /srv']);
  });

  it('says plainly when a command nests too deeply, instead of an internal error', () => {
    const deep = `${'('.repeat(8000)}ls${')'.repeat(8000)}`;
    const d = policy.decide({ fleet, user: userWith('read-only'), host }, deep);
    expect(d.decision).toBe('deny');
    expect(d.reason).toMatch(/nests more than 64 levels|longer than/);
    const nested = `${'('.repeat(100)}ls${')'.repeat(100)}`;
    expect(policy.decide({ fleet, user: userWith('read-only'), host }, nested).reason).toMatch(
      /nests more than 64 levels/,
    );
  });
});
