import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CATEGORY_ORDER, counts, excessOf, highestCategory, remainingOf } from './rules.ts';

describe('shared rules', () => {
  it('the highest category is the first in domain.md order, never the alphabetical first', () => {
    expect(CATEGORY_ORDER).toEqual(['EXTREMELY_POOR', 'MINIMUM_LIVING', 'LOW_INCOME_MARGINAL', 'EXPENDITURE_HARDSHIP', 'RURAL_MONITORED', 'POOR_WORKER', 'VETERAN', 'DISABLED', 'WOMAN_CHILD_HARDSHIP']);
    expect(highestCategory(['DISABLED', 'VETERAN'])).toBe('VETERAN');
    expect(highestCategory(['EXPENDITURE_HARDSHIP', 'LOW_INCOME_MARGINAL'])).toBe('LOW_INCOME_MARGINAL');
    expect(highestCategory(['NONSENSE'])).toBeNull();
    fc.assert(
      fc.property(fc.uniqueArray(fc.constantFrom(...CATEGORY_ORDER), { minLength: 1 }), (cats) => {
        const best = highestCategory(cats)!;
        for (const c of cats) expect(CATEGORY_ORDER.indexOf(best)).toBeLessThanOrEqual(CATEGORY_ORDER.indexOf(c));
      }),
    );
  });

  it('remaining and excess split a stay at its burden; a refunded stay has neither', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 9n }), (burden, counted) => {
        expect(remainingOf(burden, counted) - excessOf(burden, counted)).toBe(burden - counted);
        expect(remainingOf(burden, counted) >= 0n && excessOf(burden, counted) >= 0n).toBe(true);
        expect([remainingOf(burden, counted, true), excessOf(burden, counted, true)]).toEqual([0n, 0n]);
      }),
    );
  });

  it('a record counts unless it is a duplicate or reversed', () => {
    expect(counts({ duplicateOf: null, status: 'PAID' })).toBe(true);
    expect(counts({ duplicateOf: null, status: 'APPROVED' })).toBe(true);
    expect(counts({ duplicateOf: 7, status: 'PAID' })).toBe(false);
    expect(counts({ duplicateOf: null, status: 'REVERSED' })).toBe(false);
  });
});
