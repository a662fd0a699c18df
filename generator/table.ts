/**
 * Column store for the model's big tables: one Int32Array per field, grown by doubling. At a million
 * persons the model holds about two million aid records; as objects they would cost several times more.
 * Columns are replaced when the table grows, so read `t.c` again after `add()`.
 */
export class Table<K extends string> {
  n = 0;
  c: Record<K, Int32Array>;
  private cap: number;

  constructor(
    private readonly keys: readonly K[],
    capacity: number,
  ) {
    this.cap = Math.max(16, capacity);
    const c = {} as Record<K, Int32Array>;
    for (const k of keys) c[k] = new Int32Array(this.cap);
    this.c = c;
  }

  add(): number {
    if (this.n === this.cap) this.grow();
    return this.n++;
  }

  private grow(): void {
    this.cap *= 2;
    for (const k of this.keys) {
      const a = new Int32Array(this.cap);
      a.set(this.c[k]);
      this.c[k] = a;
    }
  }
}

/** Growable list of int32 values. */
export class IntList {
  n = 0;
  a: Int32Array;
  constructor(capacity = 64) {
    this.a = new Int32Array(Math.max(4, capacity));
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  get(i: number): number {
    return this.a[i]!;
  }
}

/** Compressed rows: for each key 0…k-1 the values grouped under it (built once, read many times). */
export class Csr {
  readonly start: Int32Array;
  readonly items: Int32Array;
  constructor(keyCount: number, n: number, keyOf: (i: number) => number) {
    const start = new Int32Array(keyCount + 1);
    for (let i = 0; i < n; i++) {
      const k = keyOf(i);
      if (k >= 0) start[k + 1]!++;
    }
    for (let k = 0; k < keyCount; k++) start[k + 1]! += start[k]!;
    const fill = start.slice(0, keyCount);
    const items = new Int32Array(start[keyCount]!);
    for (let i = 0; i < n; i++) {
      const k = keyOf(i);
      if (k >= 0) items[fill[k]!++] = i;
    }
    this.start = start;
    this.items = items;
  }
  count(k: number): number {
    return this.start[k + 1]! - this.start[k]!;
  }
  item(k: number, j: number): number {
    return this.items[this.start[k]! + j]!;
  }
}
