/**
 * One list of error codes and one base class: every error a client sees carries `extensions.code`.
 * Expected business outcomes (a record quarantined, aid refused for capacity) are typed results in the
 * schema, not errors; these are for requests that cannot be served.
 */
import { GraphQLError } from 'graphql';

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNKNOWN_SYSTEM: 'UNKNOWN_SYSTEM',
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
