import type { z } from 'zod';
import { AppError } from '../../core/errors.js';

/**
 * Every store adapter reads its items back through this: validated against the schema the
 * domain type is made from, and — when an item is not what the gateway writes (another version,
 * a hand edit, a truncated write) — the same error everywhere: STORE, saying which item and
 * what is wrong with it, the zod error as its cause. Nothing is cast, nothing silently dropped.
 */
export function parseItem<S extends z.ZodType>(
  schema: S,
  item: Record<string, unknown>,
  what: string,
): z.infer<S> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(item)'}: ${i.message}`)
    .join('; ');
  throw new AppError(
    'STORE',
    `${what} in the store is malformed (${problems}); it was not written by this version of the gateway — fix or delete that item`,
    { cause: parsed.error },
  );
}
