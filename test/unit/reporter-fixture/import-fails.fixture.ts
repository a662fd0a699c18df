import { expect, it } from 'vitest';

throw new Error('this module fails while it is collected');

it('is never collected', () => expect.unreachable('the module failed to load, so this test must not be collected'));
