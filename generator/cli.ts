/**
 * Runs the generator on its own and reports time and peak memory:
 *   npx tsx generator/cli.ts --persons 100000 --seed 1 --out /tmp/province
 */
import { parseArgs } from 'node:util';
import { generateProvince } from './index.ts';

const { values } = parseArgs({
  options: { persons: { type: 'string', default: '2000' }, seed: { type: 'string', default: '1' }, out: { type: 'string' }, today: { type: 'string' }, corrections: { type: 'boolean', default: false } },
});
if (!values.out) throw new Error('--out is required');
const t0 = process.hrtime.bigint();
const expected = await generateProvince({ persons: Number(values.persons), seed: Number(values.seed), out: values.out, ...(values.today ? { today: values.today } : {}), corrections: values.corrections });
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const { aidByPerson: _omit, files, ...summary } = expected;
console.log(JSON.stringify({ ...summary, files: files.length }, null, 2));
console.error(`generated in ${(ms / 1000).toFixed(1)}s, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
