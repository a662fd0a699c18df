import { beforeAll, expect, it } from 'vitest';

beforeAll(() => {
  throw new Error('the database did not open');
});

it('never runs', () => expect(true).toBe(true));
it('never runs either', () => expect(true).toBe(true));
