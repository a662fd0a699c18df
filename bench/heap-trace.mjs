/**
 * Where a process's heap peaks, by statement: preloaded into a process of the hub, it samples the V8 heap every
 * 100 ms and keeps, for each statement tag (the `/* tag *\/` comment every statement of the hub starts with), the
 * highest heap used and resident set size seen while that statement was the last one sent. Written as JSON to
 * `$HEAP_TRACE_DIR/trace-<pid>.json` (default the system's temp folder) every 5 s and at exit. How the settle
 * phase's unbounded memory at provincial scale was found (BENCHMARKS.md, "Round two, the full run").
 *
 *   DATABASE_URL=… node --max-old-space-size=512 --import tsx --import ./bench/heap-trace.mjs bench/load-child.ts <exports>
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const out = path.join(process.env.HEAP_TRACE_DIR ?? tmpdir(), `trace-${process.pid}.json`);
let tag = '(before the first statement)';
const pg = require('pg');
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (q, ...rest) {
  const text = typeof q === 'string' ? q : q?.text;
  if (typeof text === 'string') tag = /\/\*\s*([\w.:-]+)\s*\*\//.exec(text.slice(0, 200))?.[1] ?? text.slice(0, 40).replace(/\s+/g, ' ');
  return query.call(this, q, ...rest);
};

const byTag = new Map();
let peakMiB = 0;
setInterval(() => {
  const m = process.memoryUsage();
  const heap = Math.round(m.heapUsed / 1048576);
  const rss = Math.round(m.rss / 1048576);
  const t = byTag.get(tag) ?? byTag.set(tag, { tag, heapMiB: 0, rssMiB: 0, samples: 0 }).get(tag);
  t.samples++;
  t.heapMiB = Math.max(t.heapMiB, heap);
  t.rssMiB = Math.max(t.rssMiB, rss);
  peakMiB = Math.max(peakMiB, heap);
}, 100).unref();
const dump = () => writeFileSync(out, JSON.stringify({ argv: process.argv.slice(1), peakHeapMiB: peakMiB, byTag: [...byTag.values()].sort((a, b) => b.heapMiB - a.heapMiB) }, null, 1));
setInterval(dump, 5000).unref();
process.on('exit', dump);
