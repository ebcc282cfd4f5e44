/**
 * Rotations a bulk rotation runs at once unless --parallel says otherwise. Each rotation makes 4 Ringg
 * calls (plus the CLI's check of the new key) and 3 SSM calls within a second or more, and
 * the CLI looks at each rotation once a second: 4 at once stays near 20 Ringg requests per second (the
 * function waits out Ringg's 429s) and near SSM's default 40 TPS even when rotations are fast
 * (README: "Rotate everything after an incident").
 */
export const DEFAULT_PARALLEL = 4;
/** Above this, a storm of rotations meets Ringg's and SSM's limits whatever the pacing. */
export const MAX_PARALLEL = 20;

/**
 * Runs `work` on every item with at most `limit` at once, starting them in order, and returns the
 * results in the items' order. `work` must not throw: each item's trouble is its own result.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number ≥ 1, not ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
