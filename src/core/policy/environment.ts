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

/**
 * Locale and time-zone values are names, never paths: glibc opens the file a TZ path names (a
 * device there acts on open), and a LANGUAGE path loads another message catalog, whose format
 * strings run inside the program.
 */
const NAME_VALUED: Record<string, RegExp> = {
  TZ: /^:?[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/,
  LANGUAGE: /^[A-Za-z0-9_.@-]+(:[A-Za-z0-9_.@-]+)*$/,
};
const LOCALE_VALUE = /^[A-Za-z0-9_.@-]+$/;

/** Why setting `name` (to `value`, undefined when known only at run time) cannot be judged. */
export function variableProblem(name: string, value: string | undefined): string | undefined {
  if (isSensitiveVariable(name)) return unknownVariable(name);
  const shape =
    NAME_VALUED[name] ?? (name === 'LANG' || name.startsWith('LC_') ? LOCALE_VALUE : undefined);
  if (!shape || (value !== undefined && (value === '' || shape.test(value)))) return undefined;
  return value === undefined
    ? `sets ${name} to a value known only at run time; locale and time-zone values are names`
    : `sets ${name}=${value}, which is not a locale or time-zone name (no paths, no ..)`;
}
