/**
 * Group commit: items submitted in the same turn of the event loop, or while a write is in flight, are
 * written together by the next call of `write` (one statement for all of them), and each submitter gets its
 * own result once that write is done. Under load this turns one statement per request into about one per
 * three (bench/query-load.ts); alone, an item is written at the end of its turn. The access log and the
 * rate-limit counter use it.
 */
export class GroupCommit<T, R> {
  private queue: Array<{ item: T; resolve: (r: R) => void; reject: (err: unknown) => void }> = [];
  private busy = false;

  /** `write` returns one result per item, in the order given. */
  constructor(private readonly write: (items: T[]) => Promise<R[]>) {}

  submit(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.busy) {
        // Start at the end of this turn of the event loop, so that items submitted in the same turn join in.
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        const results = await this.write(batch.map((b) => b.item));
        batch.forEach((b, i) => b.resolve(results[i]!));
      } catch (err) {
        for (const b of batch) b.reject(err ?? new Error('group commit failed'));
      }
    }
    this.busy = false;
  }
}
