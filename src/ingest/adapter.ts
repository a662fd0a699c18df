/**
 * The one interface every source system's adapter satisfies (style.md "Adapters"). An adapter knows its
 * format and nothing about the database: it reads bytes into located source records, and maps each record
 * to canonical facts or to a quarantine reason. The ingest pipeline (src/ingest/pipeline.ts) does the rest:
 * idempotence, provenance, person resolution, writing in batches.
 *
 * Adding a thirteenth system means one folder under adapters/ exporting one `Adapter`, and one line in
 * adapters/index.ts. A system pulled from an API also declares its `pull` spec; nothing in src/ names it.
 */
import type { Readable } from 'node:stream';
import type { AidStatus, ReasonCode, RejectCode, StatusCategory } from '../codes.ts';
import type { Fen } from '../identity/money.ts';
import type { TextEncoding } from '../identity/text.ts';

/** Where a record stood in its source: enough for a person to find it in the original file. */
export interface Location {
  file: string;
  /** 1-based line of a text format (CSV counts the header as line 1). */
  line?: number;
  /** XLSX sheet name and 1-based row. */
  sheet?: string;
  row?: number;
  /** XML element path, e.g. `/MutualAidExport/Claim[17]`. */
  element?: string;
  /** 0-based index in a JSON array, with its path, e.g. `records[3]`, `pages[2].items[5]`. */
  path?: string;
  /**
   * `base64` when the record's bytes were not text in the declared encoding (or held a NUL): `raw` is then
   * those bytes in base64, so the record is kept exactly as received.
   */
  rawEncoding?: 'base64';
}

/** One record as read from the file: where it was, its text as received, and its parsed fields. */
export interface SourceRecord<V = unknown> {
  location: Location;
  /** The record's raw text as received (a line, a row's cells as JSON, an XML element). */
  raw: string;
  value: V;
}

/** Bytes that can be read (again): a file on disk, a request body, a test fixture. */
export interface ByteInput {
  /** File name or label shown in provenance and quarantine. */
  readonly name: string;
  open(): Readable;
}

/** A file refused whole: nothing of it is applied. */
export class FileRejectedError extends Error {
  constructor(
    readonly reason: RejectCode,
    message: string,
  ) {
    super(message);
    this.name = 'FileRejectedError';
  }
}

export interface MapContext {
  readonly system: string;
  /** Today in China Standard Time (YYYY-MM-DD): dates after it are refused. */
  readonly today: string;
  readonly now: Date;
}

/**
 * Who a record is about. At least one of `idNumber` (normalised, 18 characters) and `provisionalKey` is set.
 * Both set means: the provisional person of that key *is* this real person (an emergency case whose patient
 * became known; a child who now has an own number) and is merged into it.
 */
export interface PersonRef {
  idNumber?: string | null;
  /** Stable key of a provisional person, e.g. `health-emergency:case:JJ2026-000123`. */
  provisionalKey?: string | null;
  /** The name as received (kept) — compared after normalisation. */
  name?: string | null;
  /** For a provisional child: birth date and guardian, to match a household member recorded elsewhere. */
  birthDate?: string | null;
  guardianIdNumber?: string | null;
}

export interface ResidenceFact {
  kind: 'residence';
  person: PersonRef;
  countyCode: string;
  /** Date the residence was recorded (the status's start, the aid date). Latest wins. */
  asOf: string;
}

export interface MembershipFact {
  kind: 'membership';
  /** `civil:<householder id number>` or `rural:<户编号>`. */
  householdKey: string;
  person: PersonRef;
  relationship: string | null;
  /** Household annual income as stated (civil affairs). */
  annualIncomeFen?: Fen | null;
  /** Per-capita net income (rural): the household's income is this × its members. */
  perCapitaIncomeFen?: Fen | null;
  asOf: string | null;
  countyCode?: string | null;
}

export interface StatusFact {
  kind: 'status';
  person: PersonRef;
  category: StatusCategory;
  validFrom: string;
  validTo: string | null;
  countyCode?: string | null;
  /** Source wording and extras (救助类别, 监测类型, disability category and level, …). */
  detail?: Record<string, unknown>;
  /**
   * For a status a source implies through its payments rather than certifies (a veteran, a poor worker, a
   * disability of a given level): one status per key, `derived:<CATEGORY>:<id>[:…]`, in force from the
   * earliest payment that shows it, whatever the order the payments arrive in.
   */
  derivedKey?: string;
}

export interface SettlementFact {
  kind: 'settlement';
  person: PersonRef;
  settlementId: string;
  insuredPersonNo: string | null;
  hospitalCode: string | null;
  hospitalName: string | null;
  admittedOn: string | null;
  dischargedOn: string | null;
  diagnosisCode: string | null;
  totalFen: Fen;
  policyScopeFen: Fen;
  basicFen: Fen;
  criticalFen: Fen;
  supplementFen: Fen;
  assistanceFen: Fen;
  burdenFen: Fen;
  settledAt: Date | null;
}

export interface RefundFact {
  kind: 'refund';
  refundId: string;
  originalSettlementId: string;
  at: Date | null;
}

export interface AidFact {
  kind: 'aid';
  person: PersonRef;
  program: string;
  amountFen: Fen;
  approvedOn: string | null;
  paidOn: string | null;
  status: AidStatus;
  voucher: string | null;
  settlementRef: string | null;
  hospitalCode: string | null;
  /** What only this system knows, shown through its SDL fragment. JSON-serialisable. */
  details?: Record<string, unknown>;
}

export interface DonationFact {
  kind: 'donation';
  donationId: string;
  donor: string | null;
  amountFen: Fen;
  receivedAt: Date;
}

export type Fact = ResidenceFact | MembershipFact | StatusFact | SettlementFact | RefundFact | AidFact | DonationFact;

export type MapOutcome =
  | {
      ok: true;
      recordId: string;
      facts: Fact[];
      /**
       * For a source whose record id is the payment's voucher when present, else a key of its own fields
       * (veterans, sources.md §8): that key. A record delivered without its voucher (`recordId === paymentKey`)
       * and one with it are the same record whichever comes first: the voucher upgrades the first, and a later
       * re-send without it corrects the vouchered record, keeping its voucher (src/ingest/pipeline.ts).
       */
      paymentKey?: string;
    }
  | { ok: false; recordId: string | null; reason: ReasonCode; message: string };

export interface ProgramDef {
  code: string;
  /** The Chinese name caseworkers know it by. */
  title: string;
}

/**
 * How a system that answers over HTTP is pulled (src/ingest/pull.ts, client in src/ingest/pull-http.ts):
 * pages fetched from a base URL, each with items and a cursor to the next, resumed from a watermark kept per
 * system. Each item is one record for the adapter's `map`, located `pull:<page>:<i>`.
 */
export interface PullSpec {
  /** The URL of a page: changed since the watermark (null: everything), after the cursor (null: the first). */
  pageUrl(base: string, since: string | null, cursor: string | null): string;
  /** A parsed JSON answer's items and the next page's cursor (null: the last page), or why it is unusable (retried). */
  page(body: unknown): { items: unknown[]; nextCursor: string | null } | string;
  /**
   * The item field holding the instant (ISO 8601 with offset) the watermark follows, e.g. `updatedAt`: the
   * next pull asks for what changed after the latest one applied.
   */
  readonly watermarkField: string;
}

export interface Adapter<V = unknown> {
  /** System code of contract.md, e.g. `civil-affairs`. */
  readonly code: string;
  /** Agency code of contract.md, e.g. `civil-affairs`. */
  readonly agency: string;
  /** The system's name as its agency calls it. */
  readonly title: string;
  /** Programs this system pays from (each draws on fund `FUND:<program>`). */
  readonly programs: readonly ProgramDef[];
  /** One line on the format, for `relief-hub ingest --help` and the landing page. */
  readonly format: string;
  /** XLSX (binary) content arrives base64-encoded through the GraphQL `ingest` mutation. */
  readonly binary?: boolean;
  /**
   * The text encoding of the system's files (default UTF-8). Text sent as TEXT through the `ingest` mutation
   * is encoded back to it, so the adapter reads the same bytes as from a file.
   */
  readonly encoding?: TextEncoding;
  /**
   * Reads the format into located source records, streaming. Throws `FileRejectedError` when the whole
   * file is unusable (truncated XML, a trailer that does not match). A record that cannot even be parsed
   * is still yielded, with a `value` the mapper refuses as UNPARSABLE, so it is quarantined with its place.
   */
  read(input: ByteInput): AsyncIterable<SourceRecord<V>>;
  /**
   * Checks the file's own integrity before anything is applied (trailer count and sum, well-formedness).
   * Throws `FileRejectedError`. Formats without such a check omit it.
   */
  verify?(input: ByteInput): Promise<void>;
  /** Maps one record to facts, or says why it is quarantined. Pure: no I/O. */
  map(record: SourceRecord<V>, ctx: MapContext): MapOutcome;
  /**
   * SDL for what only this system knows, merged into the one schema (e.g. `extend type AidRecord { … }`).
   * Its resolvers read the `details` the mapper stored.
   */
  readonly sdl?: string;
  readonly resolvers?: Record<string, Record<string, unknown>>;
  /** Set for a system whose data is pulled from an API (`relief-hub pull <system>`); others deliver files. */
  readonly pull?: PullSpec;
  /**
   * A social channel (red-cross, charity): its grants are charity, not the public aid already counted against a
   * stay (eligibility's net burden, the report's public-aid indicators).
   */
  readonly socialChannel?: boolean;
  /**
   * Its aid records show trade-union membership when their `details[field]` is set (union-mutual-aid: the member's
   * union card number, `cardNo`), for eligibility's `unionMemberCard` condition.
   */
  readonly membershipEvidence?: { readonly field: string };
}

/** Helper for mappers: a quarantine outcome. */
export function reject(recordId: string | null, reason: ReasonCode, message: string): MapOutcome {
  return { ok: false, recordId, reason, message };
}

/** The parent an `AidRecord` field resolver receives: the stored aid record with its system's `details`. */
export interface AidParent {
  system: string;
  details?: unknown;
}

/** Resolver of an adapter's `AidRecord` detail field: the stored details of that system's records, else null. */
export function detailsOf(system: string): (parent: AidParent) => unknown {
  return (parent) => (parent.system === system ? (parent.details ?? null) : null);
}
