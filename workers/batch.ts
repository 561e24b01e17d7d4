/** What a batch gives back for each item, in order: its result, or the error that item alone failed with. */
export type BatchResults<O> = (O | Error)[];

/** Batches that may run at once: one writing while the next one fills. */
const IN_FLIGHT = 2;

/**
 * Group commit for jobs: items handed in while earlier batches run are gathered and run together
 * (one transaction, one round trip per table) as soon as a batch slot is free, so a single job
 * waits for nothing and a backlog goes `max` at a time. When a whole batch fails, each item is
 * run again on its own, so one bad item fails alone and the rest are not held back by it.
 */
export function batched<I, O>(run: (items: I[]) => Promise<BatchResults<O>>, max: number): (item: I) => Promise<O> {
  type Waiting = { item: I; resolve: (o: O) => void; reject: (err: unknown) => void };
  let waiting: Waiting[] = [];
  let running = 0;
  let scheduled = false;

  const settle = async (batch: Waiting[]): Promise<void> => {
    let results: BatchResults<O>;
    try {
      results = await run(batch.map((w) => w.item));
    } catch (err) {
      if (batch.length > 1) return void (await Promise.all(batch.map((w) => settle([w]))));
      return batch[0]!.reject(err);
    }
    results.forEach((r, i) => (r instanceof Error ? batch[i]!.reject(r) : batch[i]!.resolve(r)));
  };
  const flush = () => {
    scheduled = false;
    while (running < IN_FLIGHT && waiting.length) {
      const batch = waiting.slice(0, max);
      waiting = waiting.slice(max);
      running++;
      void settle(batch).finally(() => {
        running--;
        flush();
      });
    }
  };
  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        // Items handed in during this turn of the event loop join the same batch.
        setImmediate(flush);
      }
    });
}
