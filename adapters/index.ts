/**
 * The registry of source systems: one frozen list, imported by name so the type checker sees every adapter,
 * and the one place the rest of the hub looks a system up or asks what adapters declare (the catalogue:
 * systems, programs, social channels, membership evidence, pull specs). A thirteenth system is one folder
 * under adapters/ and one line here; a test registers a test-only one with `registerAdapter` (and removes it).
 */
import type { Adapter } from '../src/ingest/adapter.ts';
import { HubError, ErrorCode } from '../src/shared/errors.ts';
import { medicalInsurance } from './medical-insurance/index.ts';
import { civilAffairs } from './civil-affairs/index.ts';
import { healthEmergency } from './health-emergency/index.ts';
import { ruralRevitalization } from './rural-revitalization/index.ts';
import { unionMutualAid } from './union-mutual-aid/index.ts';
import { unionWomen } from './union-women/index.ts';
import { unionHardship } from './union-hardship/index.ts';
import { veterans } from './veterans/index.ts';
import { womenChildren } from './women-children/index.ts';
import { disabledRehab } from './disabled-rehab/index.ts';
import { redCross } from './red-cross/index.ts';
import { charity } from './charity/index.ts';

/** The twelve systems of sources.md, in its order. */
const SYSTEMS: readonly Adapter[] = Object.freeze([
  medicalInsurance,
  civilAffairs,
  healthEmergency,
  ruralRevitalization,
  unionMutualAid,
  unionWomen,
  unionHardship,
  veterans,
  womenChildren,
  disabledRehab,
  redCross,
  charity,
] as Adapter[]);

/**
 * Every registered adapter: the twelve, plus one a test registered. Frozen; `registerAdapter` replaces it
 * (an ES module binding is live, so every importer sees the new list).
 */
export let adapters: readonly Adapter[] = SYSTEMS;
let bySystem = new Map(adapters.map((a) => [a.code, a]));

function install(list: readonly Adapter[]): void {
  adapters = Object.freeze([...list]);
  bySystem = new Map(adapters.map((a) => [a.code, a]));
}

/* ----------------------------------------------------------------- lookups */

/** The adapter of a system code, undefined when no system has it. */
export function adapterFor(system: string): Adapter | undefined {
  return bySystem.get(system);
}

/** A system code nobody registered: the caller's mistake (`UNKNOWN_SYSTEM`, with the known codes). */
export class UnknownSystemError extends HubError {
  constructor(system: string) {
    const known = adapters.map((a) => a.code);
    super(ErrorCode.UNKNOWN_SYSTEM, `unknown source system "${system}"; known systems: ${known.join(', ')}`, { system, knownSystems: known });
  }
}

/** The adapter of a system code; UnknownSystemError when there is none. */
export function requireAdapter(system: string): Adapter {
  const a = bySystem.get(system);
  if (!a) throw new UnknownSystemError(system);
  return a;
}

/** The adapter (system) that pays from a program, undefined for a program no system declares. */
export function adapterOfProgram(program: string): Adapter | undefined {
  return adapters.find((a) => a.programs.some((p) => p.code === program));
}

/* ----------------------------------------------------------------- what adapters declare */

/** The systems declared social channels: their grants are charity, not public aid counted against a stay. */
export function socialChannelSystems(): readonly string[] {
  return adapters.filter((a) => a.socialChannel).map((a) => a.code);
}

/** Where aid records show trade-union membership: each system declaring it and the `details` field it names. */
export function membershipEvidence(): ReadonlyArray<{ system: string; field: string }> {
  return adapters.flatMap((a) => (a.membershipEvidence ? [{ system: a.code, field: a.membershipEvidence.field }] : []));
}

/* ----------------------------------------------------------------- registration (tests) */

/**
 * Adds an adapter after the twelve, for a test that runs a thirteenth, test-only system through the hub (the
 * contract suite). Refused outside vitest, and for a code or program another adapter has. Returns the undo:
 * a test calls it when done, since test files of one worker share this module.
 */
export function registerAdapter(adapter: Adapter): () => void {
  if (!process.env.VITEST) throw new Error('registerAdapter is for tests: a system of the hub is one line in adapters/index.ts');
  if (bySystem.has(adapter.code)) throw new Error(`a system "${adapter.code}" is already registered`);
  const taken = adapter.programs.find((p) => adapterOfProgram(p.code));
  if (taken) throw new Error(`program "${taken.code}" already belongs to ${adapterOfProgram(taken.code)!.code}`);
  install([...adapters, adapter]);
  return () => install(adapters.filter((a) => a !== adapter));
}
