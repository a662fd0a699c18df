import { describe, expect, it } from 'vitest';
import { SeenIds } from '../../src/ingest/seen.ts';

describe('SeenIds (the ids a first load has written)', () => {
  it('never forgets an id it was given, and says no to most ids it was not', () => {
    const seen = new SeenIds();
    const given = Array.from({ length: 200_000 }, (_, i) => `CA-2025-${String(i).padStart(7, '0')}`);
    expect(given.some((id) => seen.mayHave(id))).toBe(false);
    for (const id of given) seen.add(id);
    expect(given.every((id) => seen.mayHave(id))).toBe(true);
    // Ids that differ from the given ones in one character, and ids of another shape
    const others = [...given.map((id) => id.replace('CA-', 'CB-')), ...Array.from({ length: 50_000 }, (_, i) => `46010519${i}X`)];
    const falsePositives = others.filter((id) => seen.mayHave(id)).length;
    expect(falsePositives / others.length).toBeLessThan(0.001);
  });

  it('tells apart ids with the same characters in another order, and non-ASCII ids', () => {
    const seen = new SeenIds();
    seen.add('AB-12');
    seen.add('救助-甲');
    expect(seen.mayHave('AB-12')).toBe(true);
    expect(seen.mayHave('救助-甲')).toBe(true);
    expect(seen.mayHave('BA-21')).toBe(false);
    expect(seen.mayHave('救助-乙')).toBe(false);
    expect(seen.mayHave('')).toBe(false);
  });
});
