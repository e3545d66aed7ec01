/**
 * Maps `items` through `work` with at most `limit` in flight, preserving order. `work` must not
 * throw for per-item failures (they are results); a throw rejects the whole fan-out.
 */
export async function fanOut<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
