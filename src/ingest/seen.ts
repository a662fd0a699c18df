/**
 * The record ids a bulk load has written for a system that had no source heads when the load began (a first
 * load): a Bloom filter of fixed size. A record id it has never been given has no head, so the load skips
 * the head lookup for it; an id it may have been given (written earlier in the same load, or a false
 * positive) is looked up as before. So the heads a batch sees are exactly those the full lookup would find,
 * and a record repeated within the load (a stale copy, a correction in a later file) is handled as before.
 *
 * Sound only while no other transaction can write heads of the system: every writer of heads takes the
 * derivation lock first (src/overlap/store.ts `lockDerivation`), and the load holds it from before it asks
 * which systems have no heads until it commits. Heads written by a file rolled back to its savepoint stay in
 * the filter: a false positive, one more id looked up.
 *
 * Memory is fixed (1 MiB a system) whatever the size of the load; the false-positive rate grows with the
 * ids added (about 5% at 1.3 million ids, the largest system at full scale), which costs lookups, never
 * correctness.
 */
const BITS = 1 << 23;
const MASK = BITS - 1;
const PROBES = 4;

export class SeenIds {
  private readonly bits = new Uint32Array(BITS / 32);

  /** Two independent 32-bit hashes of the id (FNV-1a with two offsets); the probes are h1 + i·h2. */
  private static hashes(id: string): [number, number] {
    let a = 0x811c9dc5;
    let b = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    return [a >>> 0, (b | 1) >>> 0];
  }

  add(id: string): void {
    const [h1, h2] = SeenIds.hashes(id);
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & MASK;
      const word = bit >>> 5;
      this.bits[word] = this.bits[word]! | (1 << (bit & 31));
    }
  }

  /** False only for an id never added. */
  mayHave(id: string): boolean {
    const [h1, h2] = SeenIds.hashes(id);
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & MASK;
      if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}
