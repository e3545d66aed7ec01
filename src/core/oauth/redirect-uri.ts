import ipaddr from 'ipaddr.js';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** Schemes that would run or read something in the browser instead of handing over a code. */
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'file:',
  'vbscript:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * True when a redirect would hand the code to a program on the user's own computer: an app's
 * own scheme, or a host that is this machine in any spelling (`localhost.`, `x.localhost`,
 * 127/8, ::1, ::ffff:127.0.0.1, 0.0.0.0). The consent page warns about these.
 */
export function reachesThisComputer(url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return true;
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (!ipaddr.isValid(host)) return false;
  const range = ipaddr.process(host).range();
  return range === 'loopback' || range === 'unspecified';
}

/**
 * Why a redirect URI cannot be registered, or undefined when it can: https anywhere, http only to
 * loopback (RFC 8252 §7.3), or an app's own scheme (cursor://, vscode://); never a fragment.
 */
export function redirectUriProblem(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri}" is not an absolute URL`;
  }
  if (url.hash || uri.includes('#')) return `"${uri}" must not have a fragment`;
  if (FORBIDDEN_SCHEMES.has(url.protocol))
    return `"${uri}" uses a scheme that cannot receive a code`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    return `"${uri}" must use https (plain http is allowed only for localhost)`;
  return undefined;
}

/** `uri` with extra query parameters, keeping the ones it has. */
export function withQuery(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}
