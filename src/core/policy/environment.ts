/**
 * Variables a command may set for the programs it runs (`VAR=x cmd`, `env VAR=x`, `sudo
 * VAR=x`, `xargs --process-slot-var`): locale, time zone, layout. Any other
 * can change what a program runs or loads (GREP for zgrep, DOCKER_HOST, OPENSSL_CONF, LD_*),
 * so the list is of the harmless ones, not of the dangerous.
 */
const HARMLESS_VARIABLES = new Set([
  'LANG',
  'LANGUAGE',
  'TZ',
  'COLUMNS',
  'LINES',
  'TERM',
  'NO_COLOR',
  'SYSTEMD_COLORS',
  'SYSTEMD_URLIFY',
  'TIME_STYLE',
  'QUOTING_STYLE',
  'BLOCK_SIZE',
  'BLOCKSIZE',
  'DF_BLOCK_SIZE',
  'DU_BLOCK_SIZE',
  'LS_BLOCK_SIZE',
]);

/** True for a variable the policy does not know to be harmless for every program. */
export function isSensitiveVariable(name: string): boolean {
  return !HARMLESS_VARIABLES.has(name) && !/^LC_[A-Z]+$/.test(name);
}

export const unknownVariable = (name: string) =>
  `sets ${name}, which the policy does not know to be harmless for the programs it runs (locale, TZ and layout variables are)`;
