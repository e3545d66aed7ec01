import fc from 'fast-check';
import {
  parseOptionSyntax,
  type CommandSpec,
  type ProgramSpec,
} from '../../src/core/policy/program-spec.js';
import { PROGRAMS } from '../../src/core/policy/programs/index.js';
import { READ_ONLY_PROGRAMS } from '../../src/core/policy/builtin-profiles.js';

/**
 * Generated commands for the differential harness: a leaf command (one that only reads, or one
 * that changes the host) inside zero to two wrappers spelled in the many ways their real argument
 * grammars allow, inside a shell construct. The forms are the classes the security review found
 * (words after a redirection, `&>` after a word, `((…))`, option bundling, abbreviations,
 * `--opt=value`, attached arguments, odd assignments, run-time words, strings bash evaluates),
 * and everyday shapes that must stay allowed.
 *
 * `w` is a directory of files the login owns; `other` an account the login may sudo to.
 */
const head = (c: string) => c.split(' ')[0] ?? c;
const tail = (c: string) => c.split(' ').slice(1).join(' ');

export function commandCorpus(w: string, other: string): fc.Arbitrary<string> {
  const reads = [
    `cat ${w}/notes.txt`,
    `head -n 2 ${w}/notes.txt`,
    `tail -n1 ${w}/sub/deep.log`,
    `grep error ${w}/sub/deep.log`,
    `grep -c -i ERROR ${w}/sub/deep.log`,
    `wc -l ${w}/notes.txt`,
    `ls -la ${w}`,
    `ls ${w}/sub`,
    'echo hello',
    "printf '%s\\n' x",
    'id',
    'uptime',
    'date',
    'true',
    'uname -a',
    'df -h',
    `stat ${w}/marker`,
    `sort ${w}/notes.txt`,
    `uniq ${w}/notes.txt`,
    `cut -c1-3 ${w}/notes.txt`,
    `du -s ${w}`,
    'pwd',
    'whoami',
    'hostname',
    'ps -e',
    'free -m',
    `find ${w} -name '*.txt'`,
    `find ${w} -type f -print`,
    `sha256sum ${w}/notes.txt`,
    'env',
  ];
  const writes = [
    `touch ${w}/new`,
    `rm -f ${w}/marker`,
    `cp ${w}/notes.txt ${w}/copy`,
    `mkdir ${w}/made`,
    `mv ${w}/marker ${w}/moved`,
    `chmod 600 ${w}/marker`,
    `ln -s notes.txt ${w}/link`,
    `tee ${w}/teed`,
    `truncate -s0 ${w}/marker`,
    'touch /tmp/t',
    `touch ${w}/other/new`,
    `find ${w} -name marker -delete`,
    `find ${w} -fprint ${w}/list`,
    `sort -o ${w}/sorted ${w}/notes.txt`,
    'sleep 30',
    `sed -i s/a/b/ ${w}/notes.txt`,
    `rm -rf ${w}/sub`,
    `dd of=${w}/dd count=0`,
    `sh -c 'touch ${w}/sh'`,
    `bash -c 'touch ${w}/bash'`,
  ];
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...reads) },
    { weight: 2, arbitrary: fc.constantFrom(...writes) },
    // Allowed forms of every option run for real (nothing may change), then hostile ones.
    { weight: 3, arbitrary: programOptions(w, 'harmless') },
    { weight: 2, arbitrary: programOptions(w, 'hostile') },
    { weight: 1, arbitrary: fc.constantFrom(...gtfobinsForms(w)) },
  );

  /** Wrappers in their real spellings: each takes the inner command line. */
  const wrappers: ((c: string) => string)[] = [
    (c) => `env ${c}`,
    (c) => `env -i ${c}`,
    (c) => `env -iu X ${c}`,
    (c) => `env -u X ${c}`,
    (c) => `env --unset=X ${c}`,
    (c) => `env --un X ${c}`,
    (c) => `env --un=echo ${c}`,
    (c) => `env -- ${c}`,
    (c) => `env A=1 ${c}`,
    (c) => `env A-B=/usr/bin/echo ${c}`,
    (c) => `env -S'${c}'`,
    (c) => `env --sp='${c}'`,
    (c) => `env -C ${w} ${c}`,
    (c) => `env --chdir=${w} ${c}`,
    (c) => `env -0 ${c}`,
    (c) => `sudo -u ${other} ${c}`,
    (c) => `sudo -u${other} ${c}`,
    (c) => `sudo --user=${other} ${c}`,
    (c) => `sudo --us ${other} ${c}`,
    (c) => `sudo -nu ${other} -- ${c}`,
    (c) => `sudo --pro=x -u ${other} ${c}`,
    (c) => `sudo -E -u ${other} ${c}`,
    (c) => `sudo -nEp cat -u ${other} ${c}`,
    (c) => `sudo -s -u ${other} ${c}`,
    (c) => `sudo -i -u ${other} ${c}`,
    (c) => `nice ${c}`,
    (c) => `nice -n5 ${c}`,
    (c) => `nice -n 5 ${c}`,
    (c) => `nice --adj=3 ${c}`,
    (c) => `nice -5 ${c}`,
    (c) => `ionice -c3 ${c}`,
    (c) => `ionice -c 2 -n7 ${c}`,
    (c) => `ionice -t ${c}`,
    (c) => `stdbuf -oL ${c}`,
    (c) => `stdbuf --output=L ${c}`,
    (c) => `stdbuf -i0 -e0 ${c}`,
    (c) => `timeout 5 ${c}`,
    (c) => `timeout -s KILL 5 ${c}`,
    (c) => `timeout --sig=TERM 5 ${c}`,
    (c) => `timeout -k1 5 ${c}`,
    (c) => `timeout --pres 5 ${c}`,
    (c) => `nohup ${c}`,
    (c) => `time ${c}`,
    (c) => `time -p ${c}`,
    (c) => `setsid ${c}`,
    (c) => `setsid -w ${c}`,
    (c) => `setsid --fork ${c}`,
    (c) => `command ${c}`,
    (c) => `command -p ${c}`,
    (c) => `exec ${c}`,
    (c) => `builtin ${c}`,
    (c) => `busybox ${c}`,
    (c) => `chroot / ${c}`,
    (c) => `echo ${w}/x | xargs ${c}`,
    (c) => `echo ${w}/x | xargs -0 ${c}`,
    (c) => `echo ${w}/x | xargs -n1 ${c}`,
    (c) => `echo ${w}/x | xargs -I{} ${c}`,
    (c) => `echo ${w}/x | xargs -e ${c}`,
    (c) => `echo ${w}/x | xargs -eEOF ${c}`,
    (c) => `echo ${w}/x | xargs --max-args=1 ${c}`,
    (c) => `find ${w} -maxdepth 0 -exec ${c} \\;`,
    (c) => `find ${w} -maxdepth 0 -execdir ${c} \\;`,
    (c) => `find ${w} -maxdepth 0 -exec ${c} {} +`,
    // The replace string stands for the input wherever it occurs, the program name included.
    (c) => `echo ${head(c)} | xargs -I cat cat ${tail(c)}`,
    (c) => `find /usr/bin -name ${head(c)} -exec {} ${tail(c)} \\;`,
    (c) => `watch -n 0.2 -g -x ${c}`,
    (c) => `watch -n 0.2 -g '${c}'`,
    (c) => `bash -c '${c}'`,
    (c) => `bash --norc -c '${c}'`,
    (c) => `/bin/bash -c "${c}"`,
    (c) => `sh -c '${c}'`,
    (c) => `dash -c '${c}'`,
    (c) => `su -c '${c}' ${other}`,
  ];
  const wrapper = fc.constantFrom(...wrappers);
  const wrapped = fc
    .tuple(leaf, fc.array(wrapper, { maxLength: 2 }))
    .map(([c, ws]) => ws.reduce((inner, wrap) => wrap(inner), c));

  /** Shell constructs around a command; forms that hide words or evaluate strings among them. */
  const everyday: ((c: string) => string)[] = [
    (c) => c,
    (c) => `${c}; true`,
    (c) => `true && ${c}`,
    (c) => `false || ${c}`,
    (c) => `echo x | ${c}`,
    (c) => `${c} | cat`,
    (c) => `(${c})`,
    (c) => `{ ${c}; }`,
    (c) => `echo "$(${c})"`,
    (c) => `echo \`${c}\``,
    (c) => `cat <(${c})`,
    (c) => `${c} &`,
    (c) => `${c} |& cat`,
    (c) => `${c} 2>&1`,
    (c) => `${c} >/dev/null`,
    (c) => `! ${c}`,
    (c) => `${c}\n`,
  ];
  const adversarial: ((c: string) => string)[] = [
    // A redirection between the program and its arguments: the words after it still belong to it.
    (c) => c.replace(/^(\S+) /, '$1 </dev/null '),
    (c) => c.replace(/^(\S+) /, '$1 2>/dev/null '),
    // `&>` after a word: bash redirects both streams; other shells would background.
    (c) => `echo x &>/dev/null ${c}`,
    (c) => `((${c}))`,
    (c) => `echo $((1+1)); ${c}`,
    // The program's name spelled another way, or only known at run time.
    (c) => c.replace(/^(\w)(\w*)/, "$1'$2'"),
    (c) => c.replace(/^(\w)/, '\\$1'),
    (c) => c.replace(/^(\w+)/, '"$1"'),
    (c) => c.replace(/^(\w+)/, "$'$1'"),
    (c) => c.replace(/^(\w+)/, '$(echo $1)'),
    (c) => c.replace(/^(\w+)/, '${X:-$1}'),
    (c) => c.replace(/^(\w)(\w+)/, '$1?$2'),
    (c) => c.replace(/^(\w+) (\S+)/, '{$1,$2}'),
    // Assignments that change what runs.
    (c) => `A=1 ${c}`,
    (c) => `BASH_ENV=${w}/notes.txt ${c}`,
    (c) => `PATH=${w}:$PATH ${c}`,
    (c) => `IFS=/ ${c}`,
    // Strings bash evaluates as code.
    (c) => `test -v 'a[$(${c})]'`,
    (c) => `[ -v 'a[$(${c})]' ]`,
    (c) => `[[ -v a[$(${c})] ]]`,
    (c) => `printf -v 'a[$(${c})]' %s x`,
    (c) => `x='a[$(${c})]'; echo $((x))`,
    (c) => `echo \${x@P}; ${c}`,
    (c) => `echo \${!x}; ${c}`,
    (c) => `cat <<EOF\n$(${c})\nEOF`,
    (c) => `cat <<'EOF'\n$(${c})\nEOF`,
    (c) => `cat <<< "$(${c})"`,
    (c) => `[[ -n $(${c}) ]]`,
    (c) => `hash -p /usr/bin/touch cat; ${c}`,
    (c) => `trap '${c}' EXIT`,
    (c) => `f() { ${c}; }; f`,
    (c) => `coproc ${c}`,
    (c) => `exec 3>${w}/fd; ${c}`,
    (c) => `cd ${w} && ${c}`,
    (c) => `let 'a[$(${c})]'`,
    (c) => `echo \${x#$(${c})}`,
    (c) => `echo \${x/\`${c}\`/y}`,
    (c) => `[[ x =~ $(${c}) ]]`,
    (c) => `echo $[$(${c})]`,
    (c) => `${c} </dev/tcp/127.0.0.1/9`,
    // Found by an adversarial review: [ … ] redirections, operators from run-time words,
    // here-document delimiters bash reads differently, backslashes in backquotes, quotes in ${…}.
    (c) => `[ x > ${w}/bracket ]; ${c}`,
    (c) => `test $'\\x2dv' 'a[$(${c})]'`,
    (c) => `echo \${x:=-v} >/dev/null; test $x 'a[$(${c})]'`,
    (c) => `cat <<$'EOF'\nx\nEOF\n${c}\n$'EOF'`,
    (c) => `echo \`echo \\\`${c}\\\`\``,
    (c) => `echo "\${x:-'$(${c})'}"`,
    (c) => `${c} >/dev/null 2>&1 &`,
    (c) => `GREP='${c}' zgrep x ${w}/notes.txt`,
    // A second review: CR before #, redirections on ((…)), /dev/stdout onto a file, escaped
    // backslashes before $(, continuations inside $(, bare here-document bodies, exec -a.
    (c) => `echo a\r#; ${c}`,
    (c) => `((1))>${w}/arith; ${c}`,
    (c) => `echo pwned 1<${w}/notes.txt >/dev/stdout; ${c}`,
    (c) => `echo \${HOME#\\\\$(${c})}`,
    (c) => `echo "$\\\n(${c})"`,
    (c) => `cat <<EOF\n\`${c}\`\nEOF`,
    (c) => `exec -a ${head(c)} ${c}`,
    // A third review: escaped blanks and continuations between words, continuations in
    // here-document bodies, nested or escaped brace expansions, terminals on spare descriptors.
    (c) => `echo \\ #;${c}`,
    (c) => `echo a\\\n#;${c}`,
    (c) => `cat <<EOF\nEO\\\nF\n${c}\nEOF`,
    (c) => `find ${w} -name {x{},-o,-delete}; ${c}`,
    (c) => `sort ${w}/notes.txt {x\\},-o${w}/braced}; ${c}`,
    (c) => `sort ${w}/notes.txt -o${w}/attached; ${c}`,
    (c) => `nohup ls 3<//dev/ptmx >&3; ${c}`,
    // A fourth review: $'…' ends, backquotes ended early by bash, substitutions in numbers.
    (c) => `echo $'\\\\';${c} #'`,
    (c) => `echo \`echo '\`;${c};\`'\``,
    (c) => `echo 10#$(${c})`,
    (c) => `echo $((10#$(${c})))`,
    // A fifth review: service names that are paths, trusted variables a command can set.
    (c) => `service ../../usr/bin/touch status; ${c}`,
    (c) => `LC_ALL='${w}/lc -o${w}/lc2' bash -c 'sort $LC_ALL'; ${c}`,
    // A sixth review: process substitution in unparsed text, unnamed ==/=~/$ arguments, words
    // and continuations across line ends.
    (c) => `echo \${x:-<(${c})}`,
    (c) => `sudo -p == ${c}`,
    (c) => `echo ==\n${c}`,
    (c) => `echo a\n\\\n${c}`,
    // A differential fuzzer: text tree-sitter skips, glued comments and [[, braces in ${…}.
    (c) => `cat <<\u3000 'EOF'\n\`${c}\`\nEOF`,
    (c) => `cat <<'EOF'#;${c}\nEOF`,
    (c) => `[[x = y || ${c} ]]`,
    (c) => `echo \${x%{}&${c} }`,
    (c) => `! ((echo '$(${c})'))`,
    // A closed descriptor before a word, a descriptor number glued to a redirection.
    (c) => c.replace(/^(\S+) /, '$1 2>&- '),
    (c) => c.replace(/^(\S+) (\S+) /, '$1 $2 0</dev/null '),
    // Run-time words that become options of an allowed program.
    (c) => `ss -tn $(echo -D${w}/ss); ${c}`,
    (c) => `echo -D${w}/ss >/dev/null; ss $_; ${c}`,
    (c) => `ss \${X:--D${w}/ss}; ${c}`,
    (c) => `echo -D${w}/ss | xargs ss; ${c}`,
  ];
  const construct = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...everyday) },
    { weight: 2, arbitrary: fc.constantFrom(...adversarial) },
  );
  return fc.tuple(wrapped, construct).map(([c, wrap]) => wrap(c));
}

/**
 * Every program read-only allows, with options drawn from its spec in every spelling getopt
 * accepts (`--name=v`, `--na v`, `-xv`, `-x v`, bundles), values by placeholder (`OUT` is a file
 * in `w`), and operands of each kind — including names that are paths.
 */
export function programOptions(w: string, values: 'harmless' | 'hostile'): fc.Arbitrary<string> {
  const specs = READ_ONLY_PROGRAMS.flatMap((name) => PROGRAMS.get(name) ?? []);
  const harmless = values === 'harmless';
  const value = (placeholder: string | undefined) =>
    harmless
      ? placeholder === 'FILE'
        ? fc.constant(`${w}/notes.txt`)
        : fc.constantFrom('1', '5', 'ssh')
      : placeholder === 'OUT'
        ? fc.constantFrom(`${w}/out`, `${w}/sub/out`)
        : placeholder === 'FILE'
          ? fc.constantFrom(`${w}/notes.txt`, `${w}/sub/deep.log`)
          : placeholder === 'NAME'
            ? fc.constantFrom('ssh', '../../usr/bin/touch', 'x')
            : fc.constantFrom('1', '5', 'a', 'pid,cmd', `${w}/v`, '0101000070', 'x=1', 'L');
  const option = (spec: CommandSpec) => {
    const options = (spec.options ?? [])
      .filter((g) => !harmless || (!g.effect && !g.recursive))
      .flatMap((g) => g.options.map((o) => parseOptionSyntax(o, spec.singleDash)))
      .filter((o) => !harmless || o.placeholder !== 'OUT');
    if (options.length === 0) return fc.constant('');
    return fc
      .tuple(fc.constantFrom(...options), value(undefined), fc.nat(3))
      .chain(([o, , style]) =>
        value(o.placeholder).map((v) => {
          if (spec.singleDash) return o.arg ? `-${o.long} ${v}` : `-${o.long}`;
          const long = o.long;
          if (long && (style < 2 || !o.short)) {
            const spelt = style === 1 && long.length > 4 && !harmless ? long.slice(0, 4) : long;
            return o.arg ? (style === 0 ? `--${spelt}=${v}` : `--${spelt} ${v}`) : `--${spelt}`;
          }
          if (!o.arg) return `-${o.short}`;
          return style === 2 ? `-${o.short}${v}` : `-${o.short} ${v}`;
        }),
      );
  };
  const operand = (spec: CommandSpec) => {
    if (harmless)
      return spec.operands.kind === 'none' || spec.operands.kind === 'writes'
        ? fc.constant('')
        : fc.constantFrom(`${w}/notes.txt`, 'ssh', '1');
    switch (spec.operands.kind) {
      case 'files':
        return fc.constantFrom(`${w}/notes.txt`, `${w}/sub/deep.log`, `${w}/notes.txt ${w}/out`);
      case 'paths':
        return fc.constantFrom(w, `${w}/sub`, `${w}/marker`);
      case 'names':
        return fc.constantFrom('ssh', 'cron', '../../usr/bin/touch', 'poweroff.target');
      case 'writes':
        return fc.constant(`${w}/out`);
      case 'none':
        return fc.constant('');
      case 'text':
        return fc.constantFrom('x', '1', '0101000070', 'a=1', '+%s', `${w}/notes.txt`);
    }
  };
  const command = (spec: CommandSpec, shown: string): fc.Arbitrary<string> => {
    const subs = Object.keys(spec.subcommands ?? {});
    const rest =
      subs.length > 0 && spec.subcommands
        ? fc.constantFrom(...subs).chain((name) => {
            const sub = spec.subcommands?.[name];
            if (harmless && sub?.effect) return fc.constant('');
            const spelt = spec.match === 'first-prefix' && !harmless ? name.slice(0, 1) : name;
            return sub ? command(sub, spelt) : fc.constant(spelt);
          })
        : fc.array(operand(spec), { maxLength: 2 }).map((o) => o.join(' '));
    return fc
      .tuple(fc.array(option(spec), { maxLength: 3 }), rest)
      .map(([options, r]) => [shown, ...options, r].filter(Boolean).join(' '));
  };
  return fc.constantFrom(...specs).chain((spec: ProgramSpec) => command(spec, spec.name));
}

/** GTFOBins-style forms of read-only programs: each writes, runs or loads something. */
function gtfobinsForms(w: string): string[] {
  return [
    `sort -o ${w}/g-sort ${w}/notes.txt`,
    `sort -uo${w}/g-sort2 ${w}/notes.txt`,
    `sort --outp=${w}/g-sort3 ${w}/notes.txt`,
    `sort -S 1 --compress-program=touch ${w}/notes.txt`,
    `time -o ${w}/g-time true`,
    `ss -D ${w}/g-ss`,
    `ss --diag=${w}/g-ss2`,
    `file -C -m ${w}/notes.txt`,
    `LD_DEBUG=all LD_DEBUG_OUTPUT=${w}/g-ld true`,
    `uniq ${w}/notes.txt ${w}/g-uniq`,
    `date -s 01010000`,
    `date 0101000070`,
    'hostname harness-renamed',
    `hostname -F ${w}/notes.txt`,
    'sysctl -w kernel.hostname=renamed',
    'sysctl kernel.hostname=renamed',
    'service ../../usr/bin/touch status',
    `journalctl --cursor-file=${w}/g-cursor -n1`,
    'journalctl --vacuum-size=1',
    `ip -b ${w}/notes.txt`,
    `ip -batch ${w}/notes.txt`,
    'ip a a 10.9.9.9/32 dev lo',
    'ip l s lo down',
    `tail -n1 ${w}/notes.txt --pid=1`,
    `grep -r x ${w}`,
    `dmesg -C`,
    `systemctl -H localhost status`,
    `apt-cache --pkg-cache=${w}/g-pkg policy`,
    `dpkg --log=${w}/g-dpkg -l`,
    `zgrep -f ${w}/notes.txt x ${w}/notes.txt`,
    `mount -t tmpfs none ${w}/sub`,
    `find ${w} -fprintf ${w}/g-find x`,
    `printenv -0`,
    `which -a ls`,
  ];
}

/** Everyday diagnostics from docs/policy.md: the list between its markers, one command a line. */
export function everydayCommands(markdown: string): string[] {
  const start = markdown.indexOf('<!-- everyday:start -->');
  const end = markdown.indexOf('<!-- everyday:end -->');
  if (start === -1 || end === -1) throw new Error('docs/policy.md has no everyday list markers');
  return markdown
    .slice(start, end)
    .split('\n')
    .map((line) => /^- `(.+)`/.exec(line)?.[1])
    .filter((c): c is string => c !== undefined);
}
