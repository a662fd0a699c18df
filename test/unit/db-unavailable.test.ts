import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/shared/errors.ts';
import { requestIdOf } from '../../src/server/http.ts';

describe('a database that cannot answer', () => {
  it('is told apart from a refused statement, through wrappers', () => {
    const wrapped = (cause: unknown) => Object.assign(new Error('Failed query: SELECT 1'), { cause });
    expect(isDatabaseUnavailable(wrapped(new Error('Query read timeout')))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(new Error('timeout exceeded when trying to connect')))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('the database system is shutting down'), { code: '57P03' }))).toBe(true);
    expect(isDatabaseUnavailable(wrapped(Object.assign(new Error('duplicate key'), { code: '23505' })))).toBe(false);
    expect(isDatabaseUnavailable(wrapped(Object.assign(new Error('table is append-only'), { code: '42501' })))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('request ids', () => {
  it('keeps a plain bounded id and replaces anything else', () => {
    expect(requestIdOf('trace-1:abc/2')).toBe('trace-1:abc/2');
    expect(requestIdOf(['first', 'second'])).toBe('first');
    for (const bad of [undefined, '', 'x'.repeat(129), 'new\nline', 'spa ce', '<script>']) expect(requestIdOf(bad)).toMatch(/^[0-9a-f-]{36}$/);
  });
});
