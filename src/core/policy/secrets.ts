import { posix } from 'node:path';
import type { Word } from './shell-syntax.js';

/**
 * Files whose contents no profile lets a command read: password hashes, private keys, credential
 * stores, and the gateway's own config and data. Judged on the path as written — a link
 * elsewhere on the host that points at one is not followed, which is why fleet hosts must not
 * hold the gateway's secrets at all.
 */
const SECRET_DIRECTORIES = ['.ssh', '.gnupg', '.aws', '.kube', '.docker', '.password-store'];
const SECRET_FILES = [
  /^g?shadow(-|\.bak)?$/,
  /^ssh_host_\w+_key$/,
  /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/,
  /\.key$/,
  /^\.(netrc|pgpass|git-credentials|my\.cnf)$/,
  // The gateway's own: its fleet config (credentials of every host) and its data directory.
  /^fleet\.(ya?ml|json)$/,
];
const SECRET_DIRECTORY_PATHS = ['/etc/ssl/private', '/etc/ssh', '/root', '/home', '/var/backups'];
const SECRET_NAMES = [
  ...SECRET_DIRECTORIES,
  '.data',
  'shadow',
  'gshadow',
  'shadow-',
  'gshadow-',
  'shadow.bak',
  'gshadow.bak',
  'ssh_host_rsa_key',
  'ssh_host_ed25519_key',
  'ssh_host_ecdsa_key',
  'id_rsa',
  'id_ed25519',
  'id_ecdsa',
  'server.key',
  '.netrc',
  '.pgpass',
  '.git-credentials',
  '.my.cnf',
  'fleet.yaml',
];

const isSecretName = (name: string) =>
  SECRET_DIRECTORIES.includes(name) || name === '.data' || SECRET_FILES.some((re) => re.test(name));

/** A path component of a bash pattern as a regular expression (`*` does not match a leading dot). */
function componentPattern(glob: string): RegExp {
  let re = glob.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Why reading the file `word` names could read a secret, or undefined. */
export function secretFile(word: Word): string | undefined {
  if (word.value === undefined) return word.notSecret ? undefined : dynamicSecret(word.text);
  const path = word.value.startsWith('/') ? posix.normalize(word.value) : word.value;
  const components = path.split('/').filter((c) => c !== '');
  if (!word.glob) {
    const hit = components.find(isSecretName);
    return hit ? `${word.value} is a secret (${hit})` : undefined;
  }
  for (const component of components) {
    if (!/[*?[]/.test(component)) {
      if (isSecretName(component)) return `${word.value} is a secret (${component})`;
      continue;
    }
    const re = componentPattern(component);
    const hit = SECRET_NAMES.find((name) => re.test(name));
    if (hit) return `the pattern ${word.value} could match a secret (${hit})`;
  }
  return undefined;
}

/**
 * A file named partly at run time: safe only when what follows the last run-time part is a
 * written-out file name that is not a secret (`/proc/$pid/status`).
 */
function dynamicSecret(text: string): string | undefined {
  const tail = /\/([\w.-]+)["']?$/.exec(text);
  const last = tail?.[1];
  if (!last || !tail || /[$`]/.test(text.slice(tail.index)))
    return `${text} names a file only at run time, which could be a secret`;
  if (isSecretName(last)) return `${text} is a secret (${last})`;
  return undefined;
}

/**
 * Why searching the tree under `word` (grep -r) could read a secret: it is, or holds, one of the
 * places secrets live — or it is relative, and commands start in the login user's home.
 */
export function secretTree(word: Word): string | undefined {
  const own = secretFile(word);
  if (own) return own;
  const v = word.value;
  if (v === undefined || word.glob)
    return `${word.text} is a tree named at run time or by a pattern, which could hold secrets`;
  if (!v.startsWith('/'))
    return `${v} is relative to the login user's home, which holds ~/.ssh; name the directory`;
  const path = posix.normalize(v).replace(/\/$/, '') || '/';
  const holds = SECRET_DIRECTORY_PATHS.find((p) => p === path || p.startsWith(`${path}/`));
  if (holds || path === '/' || path === '/etc')
    return `${path} holds secrets (${holds ?? '/etc/shadow'}); search a directory below it`;
  return undefined;
}

/**
 * A secret named anywhere in text the policy could not analyse (`unanalyzable: allow`): a
 * best-effort look at its words, since nothing else about such a command is known.
 */
export function mentionedSecret(source: string): string | undefined {
  for (const token of source.split(/[\s'"`<>()|;&$={}\\]+/)) {
    if (!token) continue;
    const found = secretFile({ text: token, value: token, glob: /[*?[]/.test(token) });
    if (found) return found;
  }
  return undefined;
}
