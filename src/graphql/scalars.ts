/** The contract's scalars: Yuan (two-decimal string over integer fen), Date (CST day), DateTime (ISO with offset). */
import { GraphQLScalarType, Kind } from 'graphql';
import { formatYuan, parseYuan, toFen } from '../identity/money.ts';
import { formatCstDateTime, parseDate, parseInstant } from '../identity/dates.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';

function yuanIn(v: unknown): bigint {
  if (typeof v !== 'string') throw new HubError(ErrorCode.BAD_USER_INPUT, 'Yuan must be a decimal string such as "1234.50"');
  const r = parseYuan(v, { allowNegative: true });
  if (!r.ok) throw new HubError(ErrorCode.BAD_USER_INPUT, `Yuan: ${r.message}`);
  return r.fen;
}

export const Yuan = new GraphQLScalarType({
  name: 'Yuan',
  description: 'A sum of money in yuan: a decimal string with exactly two decimals, e.g. "1234.50". Held as integer fen inside the hub, never as floating point.',
  serialize: (v) => formatYuan(toFen(v)),
  parseValue: yuanIn,
  parseLiteral: (ast) => yuanIn(ast.kind === Kind.STRING ? ast.value : undefined),
});

function dateIn(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new HubError(ErrorCode.BAD_USER_INPUT, 'Date must be YYYY-MM-DD');
  const r = parseDate(v);
  if (!r.ok) throw new HubError(ErrorCode.BAD_USER_INPUT, `Date: ${r.message}`);
  return r.date;
}

export const DateScalar = new GraphQLScalarType({
  name: 'Date',
  description: 'A calendar day in China Standard Time, YYYY-MM-DD.',
  serialize: (v) => {
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    return String(v).slice(0, 10);
  },
  parseValue: dateIn,
  parseLiteral: (ast) => dateIn(ast.kind === Kind.STRING ? ast.value : undefined),
});

function dateTimeIn(v: unknown): Date {
  const r = parseInstant(typeof v === 'string' ? v : null);
  if (!r.ok) throw new HubError(ErrorCode.BAD_USER_INPUT, `DateTime: ${r.message}`);
  return r.at;
}

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An instant, ISO 8601 with its offset, e.g. 2026-03-31T23:30:00+08:00 (rendered in China Standard Time).',
  serialize: (v) => formatCstDateTime(v instanceof Date ? v : new Date(String(v))),
  parseValue: dateTimeIn,
  parseLiteral: (ast) => dateTimeIn(ast.kind === Kind.STRING ? ast.value : undefined),
});

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Arbitrary JSON (source locations, parsed fields of a source record).',
  serialize: (v) => v,
  parseValue: (v) => v,
});
