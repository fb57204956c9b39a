/**
 * Write batching for the statements every request of a kind runs (request nonces, new orders):
 * the calls made during one turn of the event loop go to the database as one statement, so one
 * statement and one commit serve many requests. On PostgreSQL that saves round trips and commits,
 * which are what bound throughput there (docs/benchmarks.md); on SQLite, per-statement work.
 *
 * At most `maxInFlight` batches run at once; calls that arrive meanwhile wait and gather into the
 * next batch. Built on dataloader's batching (no caching: every call is its own write).
 */
import DataLoader from 'dataloader';

export interface BatchOptions {
  /** batches running at once; later calls wait, and gather into the next batch meanwhile */
  maxInFlight: number;
  maxBatchSize?: number;
}

/**
 * `write` gets the gathered items and answers each in the same order: its result, or an Error
 * that fails that call alone.
 */
export function batched<K, V>(write: (items: readonly K[]) => Promise<Array<V | Error>>, options: BatchOptions): (item: K) => Promise<V> {
  const waiting: Array<() => void> = [];
  let inFlight = 0;
  const loader = new DataLoader<K, V, K>(
    async (items) => {
      inFlight++;
      try {
        return await write(items);
      } finally {
        inFlight--;
        waiting.shift()?.();
      }
    },
    {
      cache: false,
      maxBatchSize: options.maxBatchSize ?? 256,
      batchScheduleFn: (dispatch) =>
        setImmediate(() => {
          if (inFlight < options.maxInFlight) dispatch();
          else waiting.push(dispatch);
        }),
    },
  );
  return (item) => loader.load(item);
}
