import { posix } from 'node:path';
import type { Word } from './shell-syntax.js';

/**
 * Files whose contents no profile lets a command read: password hashes, private keys, credential
 * stores, raw disks and memory, other processes' environments, and the gateway's own config and
 * data. Judged on the path as written — a link elsewhere on the host that points at one is not
 * followed, which is why fleet hosts must not hold the gateway's secrets at all — except that a
 * path through `..` or a /proc link is refused, since a link can lead it anywhere.
 */
const SECRET_DIRECTORIES = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.kube',
  '.docker',
  '.password-store',
  // The gateway's own store.
  '.data',
  // The gateway's spool on each host: every command's output and state (see the SSH adapter).
  '.smg-spool',
];
const SECRET_FILES = [
  /^g?shadow(-|\.bak)?$/,
  /^opasswd$/,
  /^ssh_host_\w+_key$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/,
  /\.(key|keytab)$/,
  /^privkey.*\.pem$/,
  /^\.(netrc|pgpass|git-credentials|my\.cnf)$/,
  // Shell and client histories hold typed passwords; btmp holds failed login names (often one).
  /^\.(bash|zsh|mysql|psql|python)_history$/,
  /^btmp(\.\d+|-\d+)?$/,
  /^(debian\.cnf|chap-secrets|pap-secrets)$/,
  // The gateway's fleet config: the credentials of every host.
  /^fleet\.(ya?ml|json)$/,
];
/** Places that hold secrets under any name. */
const SECRET_PLACES: readonly [RegExp, string][] = [
  [/^\/etc\/ssl\/private(\/|$)/, 'private TLS keys'],
  [/^\/etc\/pki\/[^/]+\/private(\/|$)/, 'private TLS keys'],
  [/^\/etc\/letsencrypt(\/|$)/, "Let's Encrypt keys"],
  [/^\/etc\/wireguard(\/|$)/, 'WireGuard keys'],
  [/^\/etc\/NetworkManager\/system-connections(\/|$)/, 'network passwords'],
  [/^\/var\/lib\/sss\/secrets(\/|$)/, 'SSSD secrets'],
  [/^\/usr\/lib\/ssl(\/|$)/, "Debian's link to /etc/ssl/private"],
  [/^\/proc\/kcore$/, 'kernel memory'],
  // Reading these consumes them: the kernel log's readers (rsyslog) and tracers lose what is read.
  [
    /^\/proc\/kmsg$|^\/sys\/kernel\/(debug\/)?tracing\/(per_cpu\/[^/]+\/)?trace_pipe/,
    'a log that reading empties',
  ],
  [
    /^\/proc\/[^/]+\/(task\/[^/]+\/)?(environ|mem|root|cwd|fd|map_files)(\/|$)/,
    "a process's environment, memory or view of files",
  ],
  [/^\/proc\/(self|thread-self)(\/|$)/, "a process's own view of files"],
  [/^\/dev\/(zero|random|urandom|full)$/, 'an endless device: whatever reads it never ends'],
  [/^\/dev\/(?!(null|zero|random|urandom|full)$|(shm|mqueue)\/)/, 'a device: a raw disk or memory'],
];
/** Trees a recursive read may search: they hold logs and system files, not keys. */
const SEARCHABLE_TREES = [
  /^\/var\/log(\/|$)/,
  /^\/usr\/(share|lib|include)(\/|$)/,
  /^\/proc\/sys(\/|$)/,
];

/** Names a pattern is tried against: each secret name or a typical instance of one. */
const SECRET_EXAMPLES = [
  ...SECRET_DIRECTORIES,
  'shadow',
  'gshadow',
  'shadow-',
  'gshadow-',
  'shadow.bak',
  'opasswd',
  'ssh_host_rsa_key',
  'ssh_host_ed25519_key',
  'ssh_host_ecdsa_key',
  'id_rsa',
  'id_ed25519',
  'id_ecdsa',
  'server.key',
  'krb5.keytab',
  'privkey.pem',
  '.netrc',
  '.pgpass',
  '.git-credentials',
  '.my.cnf',
  'fleet.yaml',
  '.bash_history',
  'btmp',
  'debian.cnf',
];

/** Paths a pattern is tried against whole: one of each kind of secret place. */
const SECRET_PATH_EXAMPLES = [
  '/dev/sda',
  '/dev/watchdog',
  '/dev/zero',
  '/dev/mem',
  '/proc/1/environ',
  '/proc/1/mem',
  '/proc/1/root',
  '/proc/self/root',
  '/proc/kcore',
  '/etc/ssl/private/server.pem',
  '/etc/letsencrypt/live/x/privkey.pem',
  '/usr/lib/ssl/private/server.pem',
];

const isSecretName = (name: string) =>
  SECRET_DIRECTORIES.includes(name) || SECRET_FILES.some((re) => re.test(name));

/**
 * A path component of a bash pattern as a regular expression. `*` does not match a leading dot;
 * a bracket expression — whatever its classes, collating symbols or leading `]` — is taken as
 * any one character, which can only match more.
 */
function componentPattern(glob: string): RegExp {
  let re = glob.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = bracketEnd(glob, i);
      if (end === -1) re += '\\[';
      else {
        re += '.';
        i = end;
      }
    } else if (c === '\\') {
      re += (glob.charAt(++i) || '\\').replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Where the bracket expression opened at `start` ends, as bash reads it; -1 if it does not. */
function bracketEnd(glob: string, start: number): number {
  let i = start + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    const c = glob[i];
    const next = glob[i + 1];
    if (c === '[' && (next === ':' || next === '.' || next === '=')) {
      const close = glob.indexOf(`${next}]`, i + 2);
      if (close === -1) return -1;
      i = close + 1;
    } else if (c === ']') return i;
  }
  return -1;
}

/** A secret name a path component could be; a directory component only a secret directory. */
const couldBeSecret = (component: string, directory = false): string | undefined => {
  if (!/[*?[\\]/.test(component)) return isSecretName(component) ? component : undefined;
  const re = componentPattern(component);
  return (directory ? SECRET_DIRECTORIES : SECRET_EXAMPLES).find((name) => re.test(name));
};

/**
 * Why reading the file `word` names could read a secret, or undefined. `named`: the word is any
 * argument of a program without a spec, which may as well write a device as read it (mkfs).
 */
export function secretFile(word: Word, named = false): string | undefined {
  if (word.value === undefined) return word.notSecret ? undefined : dynamicSecret(word.text, named);
  const value = word.value;
  const components = value.split('/');
  if (components.includes('..') && !named)
    return `${value} goes through .., which a link can lead anywhere (a secret included); write the path without ..`;
  const path = value.startsWith('/') ? posix.normalize(value) : value;
  const place = SECRET_PLACES.find(([re]) => re.test(path) && !(named && path.startsWith('/dev/')));
  if (place) return `${value} is a secret (${place[1]})`;
  if (word.glob && path.startsWith('/')) {
    const whole = new RegExp(
      `^${path
        .split('/')
        .map((c) => (c ? componentPattern(c).source.replace(/^\^|\$$/g, '') : ''))
        .join('/')}(/.*)?$`,
    );
    const hit = SECRET_PATH_EXAMPLES.find((example) => whole.test(example));
    if (hit) return `the pattern ${value} could match ${hit}, a secret place`;
  }
  for (const [i, component] of components.entries()) {
    if (!component) continue;
    const hit = word.glob
      ? couldBeSecret(component, i < components.length - 1)
      : isSecretName(component)
        ? component
        : undefined;
    if (hit)
      return word.glob && hit !== component
        ? `the pattern ${value} could match a secret (${hit})`
        : `${value} is a secret (${hit})`;
  }
  return undefined;
}

/** A process ID known only at run time: `$PPID`, `$$`, `$!`, `$(pgrep …)`, `$(pidof …)`. */
const PID_EXPANSION =
  /^(\$(PPID|\$|!|BASHPID)|\$\{(PPID|BASHPID)\}|\$\((pgrep|pidof) [^()`$;|&<>]*\))$/;

/**
 * A file named partly at run time. The home (`~`, `$HOME`) is the login user's, fixed by the
 * pinned shell; under /proc a process ID may come from `$PPID`, `$$` or `$(pgrep …)`. Any other
 * run-time part could be any directory or name — `~sys` is /dev on Debian, `/$'dev'/sda` is
 * /dev/sda — so the path is refused: write it out.
 */
function dynamicSecret(text: string, named = false): string | undefined {
  // A process substitution is a pipe (/dev/fd/N) whose commands are judged on their own.
  if (/^[<>]\(/.test(text)) return undefined;
  if (text === '{}')
    return '{} is every file find finds, and its starting points may hold keys or credentials (find -exec reads stay under /var/log, /usr/share, /usr/lib or /proc/sys)';
  // A run-time word whose text shows no expansion was built elsewhere (xargs -I): unknown.
  if (!/[$`~{}]/.test(text))
    return named ? undefined : `${text} names a file only at run time, which could be a secret`;
  const unquoted = text.replace(/^"|"$/g, '').replace(/"(\$\{?HOME\}?)"/g, '$1');
  const path = unquoted.replace(/^(~|"?\$HOME"?|"?\$\{HOME\}"?)(?=\/|$)/, '/home/user');
  if (/^~/.test(path))
    return `${text} is in another user's home, which can be any directory (~sys is /dev)`;
  const components = path.split('/');
  const known = components.map((component, i) => {
    // Brace expansion makes several names of one word.
    if (!/[$`~"'\\{}]/.test(component)) return component;
    return components[i - 1] === 'proc' &&
      i === 2 &&
      components[0] === '' &&
      PID_EXPANSION.test(component)
      ? '1'
      : undefined;
  });
  if (known.some((c) => c === undefined)) {
    // Any argument of a program without a spec: only a written-out secret name counts.
    if (named) {
      const hit = components.find((c) => !/[$`]/.test(c) && couldBeSecret(c.replace(/["']/g, '')));
      return hit ? `${text} could name a secret (${hit})` : undefined;
    }
    return `${text} names a file partly at run time, which could be a secret; write the path out`;
  }
  const value = known.join('/');
  // `~/.s*/id_rsa` is still a pattern once `~` is known: judge it as one (a quoted `*` only makes
  // this stricter).
  return secretFile({ text, value, glob: /[*?[]/.test(value) }, named);
}

/**
 * Why searching the tree under `word` (grep -r, find -exec) could read a secret: recursive reads
 * stay under trees that hold logs and system files (/var/log, /usr/share, /usr/lib, /proc/sys),
 * since keys and credentials can sit anywhere else (/var/lib, /opt, /srv, /etc).
 */
export function secretTree(word: Word): string | undefined {
  const own = secretFile(word);
  if (own) return own;
  const v = word.value;
  if (v === undefined || word.glob)
    return `${word.text} is a tree named at run time or by a pattern, which could hold secrets`;
  if (!v.startsWith('/'))
    return `${v} is relative to the login user's home, which holds ~/.ssh; name the directory`;
  const path = posix.normalize(v);
  if (!SEARCHABLE_TREES.some((re) => re.test(path)))
    return `${path} may hold keys or credentials; a recursive read stays under /var/log, /usr/share, /usr/lib or /proc/sys (name files, or filter find by -name)`;
  return undefined;
}

/** The gateway's own state on a host: each command's output and status (see the SSH adapter). */
const GATEWAY_SPOOL = '.smg-spool';

/**
 * Why writing where `word` points could change the gateway's own state on the host (another
 * command's output or status), or undefined.
 */
export function gatewayStateWrite(word: Word): string | undefined {
  // The text too: `~/…` and `$HOME/…` have no value until run time, but name the spool all the same.
  const paths = [word.text, ...(word.value === undefined ? [] : [word.value])];
  const hit = paths.some((path) =>
    path
      .split('/')
      // A pattern (`~/.smg?spool`) is judged as one whether or not the word is known before run
      // time; a quoted `*` only makes this stricter.
      .some((part) =>
        /[*?[]/.test(part)
          ? componentPattern(part.replace(/["']/g, '')).test(GATEWAY_SPOOL)
          : part.replace(/["']/g, '') === GATEWAY_SPOOL,
      ),
  );
  return hit
    ? `${word.text} is the gateway's spool (every command's output and status)`
    : undefined;
}

/** Places known to hold secrets, for judging what a copy of a whole tree takes along. */
const SECRET_HOLDERS = [
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/security/opasswd',
  '/etc/ssh',
  '/etc/ssl/private',
  '/etc/pki',
  '/etc/letsencrypt',
  '/root',
  '/home',
  '/var/backups',
];

/**
 * Why copying the tree under `word` (cp -r, rsync) takes a known secret along: it is one, or
 * holds one of the places they are kept. Narrower than `secretTree`, which is for reads whose
 * output a model sees; a copy is judged by who may make it (operators need approval).
 */
export function holdsSecrets(word: Word): string | undefined {
  const own = secretFile(word);
  if (own || word.value === undefined || word.glob || !word.value.startsWith('/')) return own;
  const path = posix.normalize(word.value).replace(/(.)\/$/, '$1');
  const held = SECRET_HOLDERS.find(
    (p) => p === path || p.startsWith(path === '/' ? '/' : `${path}/`),
  );
  return held ? `${path} holds secrets (${held})` : undefined;
}

/**
 * A secret named anywhere in text the policy could not analyse (`unanalyzable: allow`): a
 * best-effort look at its words, since nothing else about such a command is known.
 */
export function mentionedSecret(source: string): string | undefined {
  for (const token of source.split(/[\s'"`<>()|;&$={}\\]+/)) {
    // Paths only: a bare `*` in a loop is not a file read.
    if (!token.includes('/') && !isSecretName(token)) continue;
    if (token.includes('..') || /^\/dev\/(tcp|udp)\//.test(token)) continue;
    const found = secretFile({ text: token, value: token, glob: /[*?[]/.test(token) });
    if (found) return found;
  }
  return undefined;
}
