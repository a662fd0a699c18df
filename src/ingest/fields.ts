/**
 * The field layer every mapper reads through: each reader takes a value as the format gave it (text of a
 * CSV cell, a JSON scalar, an XLSX cell, an XML attribute), runs the shared normalisers, and refuses the
 * record with the contract's reason code when the field is unusable. Mappers catch the `Refusal` once
 * (`mapRecord`; `mapRow` for a text row, `mapObject` for a JSON object, `mapJsonLine` for an NDJSON line),
 * so a mapper reads as a straight list of fields.
 */
import type { ReasonCode } from '../codes.ts';
import { parseDate, parseInstant } from '../identity/dates.ts';
import { normalizeIdNumber, toHalfWidth } from '../identity/id-number.ts';
import { parseFen, parseYuan, type Fen } from '../identity/money.ts';
import { clean, hasLoneSurrogate } from '../identity/text.ts';
import { reject, type Fact, type MapContext, type MapOutcome, type SourceRecord } from './adapter.ts';
import type { JsonLine } from '../formats/json.ts';
import { isUnparsable, type Unparsable } from '../formats/text.ts';
import { limits } from '../formats/limits.ts';

/* ----------------------------------------------------------------- field checks for mappers */

/** Thrown by `Fields` and caught by `mapRow`: the record is quarantined with this reason. */
export class Refusal extends Error {
  constructor(
    readonly reason: ReasonCode,
    message: string,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export function refuse(reason: ReasonCode, message: string): never {
  throw new Refusal(reason, message);
}

/**
 * The fields of one record, read through the shared normalisers; each accessor refuses the record with
 * the contract's reason code when its field is unusable, so a mapper reads as a straight list of fields.
 *
 * One class for every format: the values are what the format gave (text of a CSV cell, a JSON scalar, an
 * XLSX cell, an XML attribute). A nested object (a JSON sub-object, an XML child element's attributes) is
 * read through `object()`, whose fields are named `<parent><separator><field>` in messages
 * (`patient.idNo`, `Member@idNo`).
 */
export class Fields {
  constructor(
    private readonly row: Readonly<Record<string, unknown>>,
    readonly ctx: MapContext,
    /** Put before every field name in messages (`patient.`, `Member@`). */
    private readonly prefix = '',
  ) {}

  /** The fields of a record that must be a plain JSON object (`reason`, default UNPARSABLE, when not). */
  static of(value: unknown, what: string, ctx: MapContext, reason: ReasonCode = 'UNPARSABLE'): Fields {
    return new Fields(objectOf(value, what, reason), ctx);
  }

  private label(name: string): string {
    return this.prefix + name;
  }

  /** The value as the format gave it, for a field no reader fits (a lenient optional number). */
  value(name: string): unknown {
    return this.row[name];
  }

  /** A nested object: MISSING_FIELD when absent, BAD_VALUE when it is not an object. */
  object(name: string, separator = '.'): Fields {
    const label = this.label(name);
    const v = this.row[name];
    if (v == null) refuse('MISSING_FIELD', `${label} is missing`);
    return new Fields(objectOf(v, label, 'BAD_VALUE'), this.ctx, label + separator);
  }

  /** A nested object that may be absent (its fields then read as absent); BAD_VALUE when it is not an object. */
  optionalObject(name: string, separator = '.'): Fields {
    const label = this.label(name);
    const v = this.row[name];
    return new Fields(v == null ? {} : objectOf(v, label, 'BAD_VALUE'), this.ctx, label + separator);
  }

  /** Trimmed text, null when empty; BAD_VALUE past `limits.maxFieldChars` or when not a scalar. */
  text(name: string): string | null {
    return optionalText(this.row[name], this.label(name));
  }

  /** A name exactly as received (names are kept so), null when blank; BAD_VALUE past `limits.maxNameChars`. */
  asReceived(name: string): string | null {
    return nameAsReceived(this.row[name], this.label(name));
  }

  required(name: string): string {
    return requiredText(this.row[name], this.label(name));
  }

  /** A normalised 18-character identity number (INVALID_ID when it cannot be one). */
  idNumber(name: string): string {
    return requiredIdNumber(this.row[name], this.label(name), this.ctx.today);
  }

  /** An identity number that may be absent; one that is there must be a real one. */
  optionalIdNumber(name: string): string | null {
    return optionalIdNumber(this.row[name], this.label(name), this.ctx.today);
  }

  /** A calendar day, not after today. */
  date(name: string): string {
    return requiredDay(this.row[name], this.label(name), this.ctx.today);
  }

  /** An optional calendar day; `allowFuture` for the end of a validity period, which may lie ahead. */
  optionalDate(name: string, opts: { allowFuture?: boolean } = {}): string | null {
    return optionalDay(this.row[name], this.label(name), opts.allowFuture ? undefined : this.ctx.today);
  }

  /** An ISO 8601 timestamp with offset, not after now. */
  instant(name: string): Date {
    return requiredInstant(this.row[name], this.label(name), this.ctx.now);
  }

  optionalInstant(name: string): Date | null {
    return optionalInstant(this.row[name], this.label(name), this.ctx.now);
  }

  yuan(name: string): Fen {
    return requiredYuan(this.row[name], this.label(name));
  }

  optionalYuan(name: string): Fen | null {
    return optionalYuan(this.row[name], this.label(name));
  }

  fen(name: string): Fen {
    return requiredFen(this.row[name], this.label(name));
  }

  /** true, false or absent (null); anything else is BAD_VALUE. */
  optionalBoolean(name: string): boolean | null {
    const v = this.row[name];
    if (v == null) return null;
    if (typeof v === 'boolean') return v;
    return refuse('BAD_VALUE', `${this.label(name)} ${JSON.stringify(v)} is not true or false`);
  }

  /** A coded value looked up in `table` (BAD_VALUE when the format does not define it). */
  choice<T>(name: string, table: Readonly<Record<string, T>>): T {
    const s = this.required(name);
    return Object.hasOwn(table, s) ? table[s]! : refuse('BAD_VALUE', `${this.label(name)} "${s}" is not one of ${Object.keys(table).join(', ')}`);
  }

  /** A 6-digit county code. */
  countyCode(name: string): string {
    return checkCounty(this.label(name), this.required(name));
  }

  optionalCountyCode(name: string): string | null {
    const s = this.text(name);
    return s === null ? null : checkCounty(this.label(name), s);
  }
}

/** An identity number already known to be present (INVALID_ID when it cannot be one). */
export function checkIdNumber(name: string, text: string, ctx: MapContext): string {
  return requiredIdNumber(text, name, ctx.today);
}

function checkCounty(name: string, text: string): string {
  const s = toHalfWidth(text).trim();
  return /^\d{6}$/.test(s) ? s : refuse('BAD_VALUE', `${name} "${text}" is not a 6-digit county code`);
}

/** What a mapper body returns for a record it accepts. */
export type Mapped = { recordId: string; facts: Fact[]; paymentKey?: string };

/**
 * Runs a mapper body over one record and turns a `Refusal` into the record's quarantine outcome (anything
 * else is a fault and is rethrown). The body calls `known(id)` as soon as it has read the record id, so a
 * refusal after that names the record; before it, the record id is `recordIdHint()` (default: unknown).
 */
export function mapRecord(body: (known: (recordId: string) => string) => Mapped, recordIdHint: () => string | null = () => null): MapOutcome {
  let recordId: string | undefined;
  try {
    return { ok: true, ...body((id) => (recordId = id)) };
  } catch (err) {
    if (err instanceof Refusal) return reject(recordId ?? recordIdHint(), err.reason, err.message);
    throw err;
  }
}

/** `mapRecord` over a record that must be a JSON object (`what` names it in the UNPARSABLE message when not). */
export function mapObject(value: unknown, what: string, ctx: MapContext, body: (f: Fields, known: (recordId: string) => string) => Mapped): MapOutcome {
  return mapRecord((known) => body(Fields.of(value, what, ctx), known));
}

/** `mapObject` over an NDJSON line: a line that did not parse is UNPARSABLE with the reader's message. */
export function mapJsonLine(rec: SourceRecord<JsonLine>, ctx: MapContext, body: (f: Fields, known: (recordId: string) => string) => Mapped): MapOutcome {
  const line = rec.value;
  if (!line.parsed) return reject(null, 'UNPARSABLE', line.error);
  return mapObject(line.data, `line ${rec.location.line}`, ctx, body);
}

/**
 * `mapRecord` for a text row: an `Unparsable` value is quarantined as UNPARSABLE, a `Refusal` with its reason
 * under `recordIdHint` (the record id as far as it is known before the fields are checked).
 */
export function mapRow<V extends object>(value: V | Unparsable, recordIdHint: (value: V) => string | null, body: (value: V) => Mapped): MapOutcome {
  if (isUnparsable(value)) return reject(null, 'UNPARSABLE', value.$unparsable);
  return mapRecord(
    () => body(value),
    () => recordIdHint(value),
  );
}

/* ----------------------------------------------------------------- field readers for mappers */
// What `Fields` is made of: each reads one value as a format gave it (a missing required field, an identity
// number, yuan or fen, a day or an instant), failing with the contract's reason code by throwing `Refusal`.

function isBlank(v: unknown): boolean {
  return v == null || (typeof v === 'string' && clean(v) === null);
}

/** A plain JSON object, or a Refusal with `reason` (a record that is an array or a number is unusable). */
export function objectOf(v: unknown, what: string, reason: ReasonCode = 'UNPARSABLE'): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Refusal(reason, `${what} is not an object`);
  return v as Record<string, unknown>;
}

/**
 * Text a field may hold: at most `max` characters (sources.md: 1,000, a name 100, unless the format says
 * otherwise), no NUL and no lone surrogate (no database text holds them, and a driver would silently turn a
 * lone surrogate into U+FFFD). Anything else refuses the record as BAD_VALUE.
 */
export function checkText(field: string, s: string, max: number): string {
  if (s.length > max) throw new Refusal('BAD_VALUE', `${field} is ${s.length} characters long, more than ${max}`);
  if (s.includes('\u0000')) throw new Refusal('BAD_VALUE', `${field} holds a NUL character`);
  if (hasLoneSurrogate(s)) throw new Refusal('BAD_VALUE', `${field} holds a lone UTF-16 surrogate, not a character`);
  return s;
}

/** Trimmed text of a scalar field, null when absent or blank; BAD_VALUE past `limits.maxFieldChars`. */
export function optionalText(v: unknown, field: string): string | null {
  if (isBlank(v)) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
    const s = clean(String(v));
    return s === null ? null : checkText(field, s, limits.maxFieldChars);
  }
  throw new Refusal('BAD_VALUE', `${field} is not text`);
}

export function requiredText(v: unknown, field: string): string {
  const s = optionalText(v, field);
  if (s === null) throw new Refusal('MISSING_FIELD', `${field} is missing`);
  return s;
}

/**
 * A name as received (names are compared after normalisation elsewhere, and kept as they came); BAD_VALUE
 * past `limits.maxNameChars`.
 */
export function nameAsReceived(v: unknown, field = 'name'): string | null {
  return typeof v === 'string' && clean(v) !== null ? checkText(field, v, limits.maxNameChars) : null;
}

export function optionalIdNumber(v: unknown, field: string, today: string): string | null {
  if (isBlank(v)) return null;
  const r = normalizeIdNumber(typeof v === 'string' ? v : String(v), today);
  if (!r.ok) throw new Refusal(r.reason === 'MISSING' ? 'MISSING_FIELD' : 'INVALID_ID', `${field}: ${r.message}`);
  return r.idNumber;
}

export function requiredIdNumber(v: unknown, field: string, today: string): string {
  const id = optionalIdNumber(v, field, today);
  if (id === null) throw new Refusal('MISSING_FIELD', `${field} is missing`);
  return id;
}

function amountInput(v: unknown, field: string): string | number | bigint {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') return v;
  throw new Refusal('BAD_AMOUNT', `${field} is not an amount`);
}

export function optionalYuan(v: unknown, field: string): Fen | null {
  if (isBlank(v)) return null;
  const r = parseYuan(amountInput(v, field));
  if (!r.ok) throw new Refusal('BAD_AMOUNT', `${field}: ${r.message}`);
  return r.fen;
}

export function requiredYuan(v: unknown, field: string): Fen {
  const f = optionalYuan(v, field);
  if (f === null) throw new Refusal('MISSING_FIELD', `${field} is missing`);
  return f;
}

export function requiredFen(v: unknown, field: string): Fen {
  if (isBlank(v)) throw new Refusal('MISSING_FIELD', `${field} is missing`);
  const r = parseFen(amountInput(v, field));
  if (!r.ok) throw new Refusal('BAD_AMOUNT', `${field}: ${r.message}`);
  return r.fen;
}

/** A calendar day (text, an Excel serial or a spreadsheet Date), not after `today` when given. */
export function optionalDay(v: unknown, field: string, today: string | undefined): string | null {
  if (isBlank(v)) return null;
  if (!(typeof v === 'string' || typeof v === 'number' || v instanceof Date)) throw new Refusal('BAD_DATE', `${field} is not a date`);
  const r = parseDate(v, today === undefined ? {} : { today });
  if (!r.ok) throw new Refusal('BAD_DATE', `${field}: ${r.message}`);
  return r.date;
}

export function requiredDay(v: unknown, field: string, today: string): string {
  const d = optionalDay(v, field, today);
  if (d === null) throw new Refusal('MISSING_FIELD', `${field} is missing`);
  return d;
}

/** An ISO 8601 timestamp with offset, not after `now`. */
export function optionalInstant(v: unknown, field: string, now: Date): Date | null {
  if (isBlank(v)) return null;
  if (typeof v !== 'string') throw new Refusal('BAD_DATE', `${field} is not a timestamp`);
  const r = parseInstant(v, { now });
  if (!r.ok) throw new Refusal('BAD_DATE', `${field}: ${r.message}`);
  return r.at;
}

export function requiredInstant(v: unknown, field: string, now: Date): Date {
  const at = optionalInstant(v, field, now);
  if (at === null) throw new Refusal('MISSING_FIELD', `${field} is missing`);
  return at;
}
