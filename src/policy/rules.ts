/**
 * The policy pool (domain.md): every program's rule and the warning thresholds as versioned data with
 * effective dates. Rules are evaluated by one interpreter over a small set of condition types, never by a
 * function per rule; a rule's definition is `{ "all": [condition, …] }`.
 *
 * Shipped defaults live in `policies/*.json`; they seed the table once. The platform publishes new versions
 * through GraphQL; a version is never rewritten, and an answer names the version it was given under.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../db/client.ts';
import * as store from './store.ts';
import { STATUS_CATEGORIES } from '../codes.ts';
import { HubError, ErrorCode } from '../shared/errors.ts';

export type Condition =
  | { type: 'holdsStatus'; categories: string[] }
  | { type: 'sex'; sex: 'MALE' | 'FEMALE' }
  | { type: 'ageUnder'; age: number }
  | { type: 'womanOrChildUnder'; age: number }
  | { type: 'unionMemberCard' }
  | { type: 'netBurdenAtLeast'; days: number; thresholdFen: number };

export interface RuleDefinition {
  all: Condition[];
}

export interface PolicyVersion {
  code: string;
  version: number;
  kind: string;
  title: string;
  effectiveFrom: string;
  effectiveTo: string | null;
  definition: RuleDefinition & WarningDefinition;
  publishedAt: string;
  publishedBy: string | null;
}

export const policiesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies');

/** Parameters of a warning (WARNING policies): windows, shares in basis points, thresholds in fen. */
export interface WarningDefinition {
  days?: number;
  incomeShareBp?: number;
  fallbackFen?: number;
  statusEndedYears?: number;
  categories?: string[];
}

export function validateWarning(def: unknown): WarningDefinition {
  const bad = (m: string) => new HubError(ErrorCode.BAD_USER_INPUT, `warning definition: ${m}`, { argument: 'definition' });
  if (!def || typeof def !== 'object' || Array.isArray(def)) throw bad('expected an object of parameters');
  const d = def as Record<string, unknown>;
  for (const k of ['days', 'incomeShareBp', 'fallbackFen', 'statusEndedYears'] as const) {
    if (d[k] !== undefined && (!Number.isSafeInteger(d[k]) || (d[k] as number) < 0)) throw bad(`${k} must be a whole number ≥ 0`);
  }
  if (d.categories !== undefined && (!Array.isArray(d.categories) || !d.categories.every((x) => (STATUS_CATEGORIES as readonly unknown[]).includes(x)))) {
    throw bad(`categories must be among ${STATUS_CATEGORIES.join(', ')}`);
  }
  return d as WarningDefinition;
}

/** Checks a definition's shape for its kind; a malformed rule is refused before it is stored. */
export function validateFor(kind: string, def: unknown): unknown {
  return kind === 'WARNING' ? validateWarning(def) : validateDefinition(def);
}

/** Checks an eligibility rule's shape. */
export function validateDefinition(def: unknown): RuleDefinition {
  const bad = (m: string) => new HubError(ErrorCode.BAD_USER_INPUT, `policy definition: ${m}`, { argument: 'definition' });
  if (!def || typeof def !== 'object' || !Array.isArray((def as RuleDefinition).all) || (def as RuleDefinition).all.length === 0) {
    throw bad('expected { "all": [condition, …] } with at least one condition');
  }
  for (const c of (def as RuleDefinition).all as Array<Record<string, unknown>>) {
    switch (c.type) {
      case 'holdsStatus':
        if (!Array.isArray(c.categories) || c.categories.length === 0 || !c.categories.every((x) => (STATUS_CATEGORIES as readonly unknown[]).includes(x))) {
          throw bad(`holdsStatus needs categories among ${STATUS_CATEGORIES.join(', ')}`);
        }
        break;
      case 'sex':
        if (c.sex !== 'MALE' && c.sex !== 'FEMALE') throw bad('sex must be MALE or FEMALE');
        break;
      case 'ageUnder':
      case 'womanOrChildUnder':
        if (!Number.isInteger(c.age) || (c.age as number) < 1 || (c.age as number) > 150) throw bad(`${c.type} needs an age in years`);
        break;
      case 'unionMemberCard':
        break;
      case 'netBurdenAtLeast':
        if (!Number.isInteger(c.days) || (c.days as number) < 1 || (c.days as number) > 3660) throw bad('netBurdenAtLeast needs days (1–3660)');
        if (!Number.isSafeInteger(c.thresholdFen) || (c.thresholdFen as number) < 0) throw bad('netBurdenAtLeast needs thresholdFen, a whole number of fen');
        break;
      default:
        throw bad(`unknown condition type ${String(c.type)}`);
    }
  }
  return def as RuleDefinition;
}

interface ShippedPolicy {
  code: string;
  kind: string;
  /** Published for charities: a CHARITY may read it and ask it (domain.md "Privacy and access"). */
  forCharities?: boolean;
  title: string;
  effectiveFrom: string;
  definition: unknown;
}

let shipped: ShippedPolicy[] | null = null;

/** The policies shipped in policies/*.json, read once per process. */
function shippedPolicies(): ShippedPolicy[] {
  if (shipped) return shipped;
  const files = fs.existsSync(policiesDir) ? fs.readdirSync(policiesDir).filter((x) => x.endsWith('.json')).sort() : [];
  shipped = files.map((f) => {
    const p = JSON.parse(fs.readFileSync(path.join(policiesDir, f), 'utf8')) as ShippedPolicy;
    validateFor(p.kind, p.definition);
    return p;
  });
  return shipped;
}

/** Codes of the rules published for charities (`"forCharities": true` in policies/*.json; every version of the code). */
export function charityRuleCodes(): ReadonlySet<string> {
  return new Set(shippedPolicies().filter((p) => p.forCharities === true).map((p) => p.code));
}

/**
 * Seeds the shipped policies (version 1 of every code not yet in the pool); one statement when all are there.
 * Run at start-up (src/app.ts seedReferenceData) and by the writes that need the pool (publishing a version,
 * deriving warnings), never by a read.
 */
export async function seedPolicies(db: Db): Promise<void> {
  const all = shippedPolicies();
  if ((await store.seededCount(db, all.map((p) => p.code))) === all.length) return;
  for (const p of all) await store.insertShipped(db, p);
}

/** Every version of every policy (or of one code), by code and version. Reads only: the pool is seeded at start-up. */
export const policyVersions = store.policyVersions;

/** The version in force on a day: the latest published whose effective period contains it. */
export const versionInForce = store.versionInForce;

/**
 * Publishes a new version: it takes effect from `effectiveFrom`; the version in force before it ends the
 * day before. Earlier versions keep their definitions, so an answer given under them can be reproduced.
 */
export async function publishVersion(
  db: Db,
  input: { code: string; title?: string | null; effectiveFrom: string; definition: unknown },
  actor: string,
): Promise<PolicyVersion> {
  await seedPolicies(db);
  const current = await policyVersions(db, input.code);
  const latest = current.at(-1);
  if (!latest) throw new HubError(ErrorCode.NOT_FOUND, `no policy ${input.code}`, { argument: 'input.code' });
  const definition = validateFor(latest.kind, input.definition);
  if (input.effectiveFrom <= latest.effectiveFrom) {
    throw new HubError(ErrorCode.BAD_USER_INPUT, `a new version must take effect after ${latest.effectiveFrom}`, { argument: 'input.effectiveFrom' });
  }
  // Closes the open version's period (its definition is untouched) and adds the new one
  await store.appendVersion(db, latest, { title: input.title?.trim() || latest.title, effectiveFrom: input.effectiveFrom, definition, publishedBy: actor });
  return (await policyVersions(db, input.code)).at(-1)!;
}
