/**
 * The registry of source systems: one frozen list, imported by name so the type checker sees every adapter.
 * A thirteenth system is one folder under adapters/ and one line here.
 */
import type { Adapter } from '../src/ingest/adapter.ts';
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

export const adapters: readonly Adapter[] = Object.freeze([
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

const bySystem = new Map(adapters.map((a) => [a.code, a]));

export function adapterFor(system: string): Adapter | undefined {
  return bySystem.get(system);
}

export const systemCodes: readonly string[] = adapters.map((a) => a.code);
