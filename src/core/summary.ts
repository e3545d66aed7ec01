import { z } from 'zod';

/**
 * The one shape of every `summary` a tool returns: how many items in all (`total`), and how many
 * had each outcome — every outcome named, zeros included, so a client reads `summary.failed`
 * without checking that it is there.
 */
export type Summary<O extends string> = { readonly total: number } & {
  readonly [K in O]: number;
};

/** The schema of a summary over these outcomes (the MCP output schemas use it). */
export function summarySchema<O extends string>(outcomes: readonly O[]) {
  const count = z.number().int().min(0);
  return z.object({
    total: count,
    ...Object.fromEntries(outcomes.map((o) => [o, count])),
  } as { total: typeof count } & Record<O, typeof count>);
}

/** Counts `items` by outcome, every outcome present. */
export function summarize<O extends string>(
  outcomes: readonly O[],
  items: readonly O[],
): Summary<O> {
  const counts = Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<O, number>;
  for (const item of items) counts[item]++;
  return { total: items.length, ...counts };
}

/** The outcomes that happened, for a sentence: `3 ok, 1 failed`. */
export function summaryText<O extends string>(summary: Summary<O>): string {
  return Object.entries(summary)
    .filter(([outcome, n]) => outcome !== 'total' && n > 0)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
}
