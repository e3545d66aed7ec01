export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not scrubbed: they would redact ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Builds a function that replaces every configured secret value in a text. Multi-line secrets
 * (PEM keys) are also scrubbed line by line, so a key printed with different line endings or
 * partially still disappears.
 */
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
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  };
}
