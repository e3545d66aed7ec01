/**
 * Characters that change how text is shown rather than what it says: C0 and C1 controls (escape
 * sequences move the cursor and rewrite lines), zero-width and bidirectional marks (which reorder
 * what a reader sees). A person deciding on a command must read it as it is.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

/** The text with every such character written as a visible `\u{…}` escape. */
export function printable(text: string): string {
  return text.replace(INVISIBLE, (c) => `\\u{${c.codePointAt(0)?.toString(16) ?? '?'}}`);
}

/** True when the text holds any such character. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  const found = INVISIBLE.test(text);
  INVISIBLE.lastIndex = 0;
  return found;
}
