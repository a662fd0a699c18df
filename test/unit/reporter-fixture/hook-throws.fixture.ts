import { beforeAll, expect, it } from 'vitest';

beforeAll(() => {
  throw new Error('the database did not open');
});

it('never runs', () => expect.unreachable('beforeAll failed, so this test must not run'));
it('never runs either', () => expect.unreachable('beforeAll failed, so this test must not run'));
