import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/**
 * `SET #u0 = :u0, …` for the defined fields of a patch, adding their placeholders to `names` and
 * `values` (which may already hold the condition's).
 */
export function setClause(
  patch: object,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  const sets = Object.entries(patch)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]: [string, unknown], i) => {
      names[`#u${i}`] = k;
      values[`:u${i}`] = v;
      return `#u${i} = :u${i}`;
    });
  return `SET ${sets.join(', ')}`;
}

/** Runs a conditional write: true when it was made, false when its condition did not hold. */
export async function conditionally(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
