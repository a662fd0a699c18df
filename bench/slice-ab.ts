/**
 * Two versions of the code side by side on one loaded database: the statements of a first load's whole-province
 * pass for one 50,000-id slice at a time (the derivation of a person slice with every record's derived columns to
 * write, the household burden of a household slice and of a person slice), each in a transaction rolled back,
 * the two trees alternating; the slices start 200,000 person ids and 50,000 household ids apart, for the
 * full-scale province of `npm run bench`. A tree is a checkout with node_modules (`git worktree add`, `cp -al node_modules`).
 *
 *   npx tsx bench/slice-ab.ts <pg-url of a loaded database> <tree A> <tree B> [rounds]
 */
import { sql } from 'drizzle-orm';

const [url, treeA, treeB, roundsS] = process.argv.slice(2);
const trees: Record<string, string> = { A: treeA!, B: treeB! };
const rounds = Number(roundsS ?? 4);
const mods: Record<string, any> = {};
for (const [k, t] of Object.entries(trees)) mods[k] = { client: await import(`${t}/src/db/client.ts`), ov: await import(`${t}/src/overlap/store.ts`), ws: await import(`${t}/src/warnings/store.ts`) };
const database = await mods.A.client.openDatabase({ databaseUrl: url, dataDir: null });
const times: Record<string, number[]> = {};
const push = (k: string, v: number) => (times[k] ??= []).push(v);
for (let r = 0; r < rounds; r++) {
  const from = 1 + (r * 200_000) % 1_100_000, below = from + 50_000;
  const hfrom = 1 + (r * 50_000) % 200_000, hbelow = hfrom + 50_000;
  for (const k of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    try {
      await database.db.transaction(async (tx: any) => {
        await tx.execute(sql`SET LOCAL jit = off`);
        // as on a first load: every record of the slice has its derived columns to write
        await tx.execute(sql`UPDATE aid_records SET person_county_code = NULL, category_on_paid = NULL WHERE person_id >= ${from} AND person_id < ${below}`);
        let t = performance.now();
        await mods[k].ov.deriveRecords(tx, { all: false, from, below });
        push(`derive ${k}`, performance.now() - t);
        t = performance.now();
        await mods[k].ws.burdenUnits(tx, { households: sql`(hm.household_id >= ${hfrom} AND hm.household_id < ${hbelow})`, solos: sql`false`, burdenedOnly: true }, '2026-11-01', 365, 2);
        push(`burden-h ${k}`, performance.now() - t);
        t = performance.now();
        await mods[k].ws.burdenUnits(tx, { households: sql`false`, solos: sql`(p.id >= ${from} AND p.id < ${below})`, burdenedOnly: true }, '2026-11-01', 365, 2);
        push(`burden-p ${k}`, performance.now() - t);
        throw new Error('rollback');
      });
    } catch (e: any) { if (e.message !== 'rollback') throw e; }
  }
  console.log(`round ${r + 1}: ` + Object.entries(times).map(([k, v]) => `${k} ${v.at(-1)!.toFixed(0)}`).join('  '));
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(Object.entries(times).map(([k, v]) => `${k} median ${med(v).toFixed(0)} ms`).join('\n'));
await database.close();
