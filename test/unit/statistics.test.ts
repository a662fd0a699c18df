/** When a long ingest transaction refreshes the planner's statistics (src/ingest/statistics.ts). */
import { describe, expect, it } from 'vitest';
import { Statistics } from '../../src/ingest/statistics.ts';
import type { Tx } from '../../src/db/client.ts';

/** Feeds batches of 2,000 records of each system in turn, then settles; returns the records written in all at each ANALYZE. */
async function analysesAt(systems: Array<[string, number]>): Promise<number[]> {
  const at: number[] = [];
  let written = 0;
  const stats = new Statistics({} as Tx, async () => {
    at.push(written);
  });
  for (const [system, records] of systems) {
    for (let left = records; left > 0; left -= 2000) {
      written += Math.min(2000, left);
      await stats.wrote(Math.min(2000, left), system);
    }
  }
  await stats.settle();
  return at;
}

describe('statistics inside a long ingest transaction', () => {
  it('analyses as the whole doubles from 20,000 records', async () => {
    // (the last: before deriving, settle's)
    expect(await analysesAt([['a', 100_000]])).toEqual([20_000, 40_000, 80_000, 100_000]);
  });

  it("analyses as a later system's own records double, though the whole has not doubled since", async () => {
    // b writes other tables than a: without its own doublings it would be planned as empty until 320,000 in all.
    expect(await analysesAt([['a', 160_000], ['b', 100_000]])).toEqual([20_000, 40_000, 80_000, 160_000, 180_000, 200_000, 240_000, 260_000]);
  });

  it('does not analyse a small load, nor a small system after a large one beyond its first 20,000', async () => {
    expect(await analysesAt([['a', 10_000]])).toEqual([]);
    expect(await analysesAt([['a', 40_000], ['b', 10_000]])).toEqual([20_000, 40_000, 50_000]);
  });
});
