/** Structured logs (pino) on stderr, so that commands keep stdout for their results. */
import pino, { type DestinationStream, type Logger } from 'pino';

/** Errors are logged under `err` through `safeError`: never with the query parameters they carry. */
export function createLogger(level: string, destination: DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { service: 'relief-hub' }, serializers: { err: safeError } }, destination);
}

/** Properties of a database error that say what went wrong without saying with which values. */
const SAFE_FIELDS = ['code', 'severity', 'routine', 'constraint', 'table', 'column', 'schema', 'dataType'] as const;

/**
 * A failed query's message without the values it was given. drizzle puts every parameter of the query into
 * its error's message (`Failed query: … params: …`): names and identity numbers of a whole batch. The database
 * quotes a value it could not take (`invalid input syntax for type date: "…"`) after a colon: that goes too.
 */
export function scrubMessage(message: string): string {
  const cut = message.search(/\n\s*params:/);
  const kept = cut === -1 ? message : message.slice(0, cut);
  return kept.replace(/:\s*"(?:[^"\\]|\\.)*"/g, ': "…"');
}

export interface SafeError {
  type: string;
  message: string;
  stack?: string;
  cause?: SafeError;
  [field: string]: unknown;
}

/**
 * An error as it may be logged or printed: its type, message and stack without query parameters, the safe
 * fields of a database error (SQLSTATE code, constraint, table), and its cause the same way. Every other
 * property (drizzle's `params`, pg's `detail` and `where`, PGlite's `params`) is left out: they hold the
 * personal data of the records being written. The logger's `err` serializer and the command line use it.
 */
export function safeError(err: unknown, depth = 0): SafeError {
  if (!(err instanceof Error)) return { type: typeof err, message: scrubMessage(String(err)) };
  const out: SafeError = { type: err.name || err.constructor?.name || 'Error', message: scrubMessage(err.message) };
  if (err.stack) {
    // The stack begins with the message: keep only its frames after the scrubbed message.
    const frames = err.stack.split('\n').filter((l) => /^\s+at /.test(l));
    out.stack = [`${out.type}: ${out.message}`, ...frames].join('\n');
  }
  const fields = err as unknown as Record<string, unknown>;
  for (const f of SAFE_FIELDS) if (typeof fields[f] === 'string' || typeof fields[f] === 'number') out[f] = fields[f];
  if (err.cause !== undefined && depth < 5) out.cause = safeError(err.cause, depth + 1);
  return out;
}

/** The text the command line prints for an unexpected error: the safe stack, then each cause's message. */
export function describeError(err: unknown): string {
  const e = safeError(err);
  let text = e.stack ?? `${e.type}: ${e.message}`;
  for (let c = e.cause; c; c = c.cause) text += `\ncaused by ${c.type}: ${c.message}${c.code ? ` (${String(c.code)})` : ''}`;
  return text;
}
