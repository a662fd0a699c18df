/**
 * What a command of `relief-hub` is (src/cli/commands/<command>.ts, one per file): its name, its lines of
 * the usage text, its option spec for node:util parseArgs, and the function that runs it with what was parsed.
 * main.ts dispatches from the table of them and builds the usage text from their lines.
 */
import type { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';

/** A mistake on the command line: printed as it is, exit 1. */
export class UsageError extends Error {}

/** parseArgs' configuration without the arguments themselves. */
export type OptionSpec = { options: NonNullable<Parameters<typeof parseArgs>[0]>['options']; allowPositionals?: boolean; strict?: boolean };

/** What parseArgs gives for a command's spec. */
export type Parsed<S extends OptionSpec> = ReturnType<typeof parseArgs<S & { args: string[] }>>;

export interface CommandContext {
  config: Config;
  log: Logger;
}

export interface Command {
  name: string;
  /** Its lines of the usage text, as printed after the two-space indent. */
  usage: readonly string[];
  spec: OptionSpec;
  run(parsed: { values: Record<string, unknown>; positionals: string[] }, ctx: CommandContext): Promise<number>;
}

export function intOption(value: string | undefined, name: string, fallback?: number): number {
  if (value === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got "${value}"`);
  return Number(value);
}
