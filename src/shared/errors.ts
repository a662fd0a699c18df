/**
 * One list of error codes and one base class: every error a client sees carries `extensions.code`.
 * Expected business outcomes (a record quarantined, aid refused for capacity) are typed results in the
 * schema, not errors; these are for requests that cannot be served.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNKNOWN_SYSTEM: 'UNKNOWN_SYSTEM',
  /** A system asked to be pulled that delivers files (its adapter has no pull spec). */
  NOT_PULLED: 'NOT_PULLED',
  INVALID_ID_NUMBER: 'INVALID_ID_NUMBER',
  INVALID_CONTENT: 'INVALID_CONTENT',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  RATE_LIMITED: 'RATE_LIMITED',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  DATABASE_UNAVAILABLE: 'DATABASE_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class HubError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extra, code } });
    this.name = 'HubError';
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

/**
 * Whether an error means the database could not be reached or did not answer in time (server down, frozen,
 * restarting, a statement or connection timeout), as opposed to a bug or a refused statement: the request
 * then gets `503 DATABASE_UNAVAILABLE`. Looks through wrappers (drizzle's query error, GraphQL's) by `cause`.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      // 08xxx connection exceptions, 57P01–57P03 shutdown and cannot-connect-now, 57014 statement timeout/cancel,
      // 53300 too many connections; Node's socket errors.
      if (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '57014' || code === '53300') return true;
      if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
    }
    if (typeof message === 'string' && /Query read timeout|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Connection terminated due to connection timeout/i.test(message)) {
      return true;
    }
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  return false;
}
