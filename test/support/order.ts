/** Delivery orders of a generated province: shuffled by a seed, keeping the order constraints (corrections). */
import type { Expected } from '../../generator/index.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random topological order of the files: any order, except that a correction comes after what it corrects. */
export function deliveryOrder(expected: Expected, seed: number): Array<{ system: string; file: string }> {
  const rand = rng(seed);
  const files = expected.files.map((f) => ({ system: f.system, file: f.file }));
  const mustFollow = new Map<string, Set<string>>();
  for (const [earlier, later] of expected.orderConstraints) {
    if (!mustFollow.has(later)) mustFollow.set(later, new Set());
    mustFollow.get(later)!.add(earlier);
  }
  const out: typeof files = [];
  const done = new Set<string>();
  const pending = [...files];
  while (pending.length) {
    const ready = pending.filter((f) => [...(mustFollow.get(f.file) ?? [])].every((e) => done.has(e)));
    if (ready.length === 0) throw new Error('order constraints form a cycle');
    const pick = ready[Math.floor(rand() * ready.length)]!;
    out.push(pick);
    done.add(pick.file);
    pending.splice(pending.indexOf(pick), 1);
  }
  return out;
}
