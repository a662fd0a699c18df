/** Structured logs (pino) on stderr, so that commands keep stdout for their results. */
import pino, { type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'relief-hub' } }, pino.destination(2));
}
