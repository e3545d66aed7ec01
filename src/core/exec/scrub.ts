import { API_KEY_IN_TEXT } from '../users/api-key.js';
import { SECRET_PREFIX } from '../oauth/secrets.js';
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not scrubbed: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Builds a function that replaces every configured secret value, and every credential the gateway
 * itself issues, in a text. Multi-line secrets
 * (PEM keys) are also scrubbed line by line, so a key printed with different line endings or
 * partially still disappears.
 */
/**
 * The gateway's own credentials in any text: an API key or an OAuth secret someone pasted into a
 * command is as secret as a fleet password.
 */
const GATEWAY_CREDENTIAL = new RegExp(
  `(?<![A-Za-z0-9_-])(?:${API_KEY_IN_TEXT}|(?:${Object.values(SECRET_PREFIX).join('|')})[A-Za-z0-9_-]{43})(?![A-Za-z0-9_-])`,
  'g',
);

export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) needles.add(secret);
    for (const line of secret.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed.length >= 16 && !trimmed.startsWith('-----')) needles.add(trimmed);
    }
  }
  const ordered = [...needles].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out.includes('_') ? out.replace(GATEWAY_CREDENTIAL, REDACTED) : out;
  };
}
