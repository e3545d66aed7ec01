import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * `SET #u0 = :u0, …` for the defined fields of a patch, adding their placeholders to `names` and
 * `values` (which may already hold the condition's).
 */
function setClause(
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

/**
 * Sets the defined fields of `patch` on one item when `condition` holds (its placeholders in
 * `names` and `values`): true when it was made, false when the condition did not hold.
 */
export function updateIf(
  db: DynamoDBDocumentClient,
  table: string,
  key: Record<string, unknown>,
  patch: object,
  condition: { expression: string; names: Record<string, string>; values: Record<string, unknown> },
): Promise<boolean> {
  const names = { ...condition.names };
  const values = { ...condition.values };
  const update = setClause(patch, names, values);
  return conditionally(() =>
    db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: update,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}
