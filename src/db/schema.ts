/**
 * The canonical model (domain.md) as drizzle tables. Money is bigint fen, never floating point; calendar
 * dates are `date` (China Standard Time calendar days); instants are `timestamptz`.
 *
 * Migrations in `migrations/` are generated from this file with `npm run db:generate` and committed.
 */
import { sql } from 'drizzle-orm';
import { AWAITING_ARRIVAL } from '../shared/rules.ts';
import {
  bigint,
  bigserial,
  boolean,
  date,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const fen = (name: string) => bigint(name, { mode: 'bigint' });
const id = (name: string) => bigint(name, { mode: 'number' });
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const day = (name: string) => date(name, { mode: 'string' });

/* ----------------------------------------------------------------- provenance and ingestion */

/** One delivery of one file (or pulled page set) by a source system. */
export const ingestRuns = pgTable(
  'ingest_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    system: text('system').notNull(),
    file: text('file').notNull(),
    startedAt: at('started_at').notNull().defaultNow(),
    finishedAt: at('finished_at'),
    records: integer('records').notNull().default(0),
    newCount: integer('new_count').notNull().default(0),
    updatedCount: integer('updated_count').notNull().default(0),
    unchangedCount: integer('unchanged_count').notNull().default(0),
    quarantinedCount: integer('quarantined_count').notNull().default(0),
    rejected: boolean('rejected').notNull().default(false),
    reason: text('reason'),
    message: text('message'),
    /** RUNNING, FINISHED (applied or rejected whole), ABORTED (its process stopped, or it failed: nothing applied). */
    status: text('status').notNull().default('RUNNING'),
    /** The hub process running it (host, pid and a random part; src/ingest/runs.ts). */
    owner: text('owner'),
    /** Last sign of life of the owner (PostgreSQL: several instances share the table). */
    heartbeatAt: at('heartbeat_at'),
  },
  (t) => [index('ingest_runs_running_idx').on(t.startedAt).where(sql`status = 'RUNNING'`)],
);

/**
 * Every distinct version of every source record as it was received: the raw text, where it stood in its
 * file, and its content hash. A re-delivery with the same content adds no row.
 */
export const sourceRecords = pgTable(
  'source_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    system: text('system').notNull(),
    recordId: text('record_id').notNull(),
    contentHash: text('content_hash').notNull(),
    file: text('file').notNull(),
    location: jsonb('location').notNull(),
    raw: text('raw').notNull(),
    ingestRunId: id('ingest_run_id').references(() => ingestRuns.id),
    ingestedAt: at('ingested_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('source_records_version_uq').on(t.system, t.recordId, t.contentHash)],
);

/**
 * The current version of every source record: what a re-delivery is compared with (new, updated, unchanged).
 * `identity` keeps the identity number once established for the record, so a later delivery that lacks
 * it (an emergency case re-sent as unidentified) keeps its patient (domain.md rule 1).
 */
export const sourceHeads = pgTable(
  'source_heads',
  {
    system: text('system').notNull(),
    recordId: text('record_id').notNull(),
    contentHash: text('content_hash').notNull(),
    identity: text('identity'),
    /**
     * For a source whose record id is a voucher when present and otherwise the payment's own fields (veterans,
     * sources.md §8): that key of the payment's own fields, so that a delivery without the voucher and one with
     * it are known as one record whichever comes first.
     */
    paymentKey: text('payment_key'),
    /**
     * The provisional key the current version's person reference carries (an emergency case, a child known
     * through a guardian): which records a merge of that provisional person concerns, so that undoing it
     * moves back everything that reached the real person through it, also what arrived after the merge.
     */
    provisionalKey: text('provisional_key'),
    version: integer('version').notNull().default(1),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.system, t.recordId] }),
    index('source_heads_payment_key_idx').on(t.system, t.paymentKey).where(sql`payment_key IS NOT NULL`),
    index('source_heads_provisional_key_idx').on(t.provisionalKey).where(sql`provisional_key IS NOT NULL`),
  ],
);

/** Records that could not be used, with where they were and why. Never dropped. */
export const quarantine = pgTable(
  'quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    system: text('system').notNull(),
    file: text('file').notNull(),
    location: jsonb('location').notNull(),
    recordId: text('record_id'),
    reasonCode: text('reason_code').notNull(),
    message: text('message').notNull(),
    raw: text('raw').notNull(),
    /** The record's parsed fields as the adapter read them: what re-processing maps again (with corrections). */
    value: jsonb('value'),
    rawHash: text('raw_hash').notNull(),
    ingestRunId: id('ingest_run_id').references(() => ingestRuns.id),
    createdAt: at('created_at').notNull().defaultNow(),
    /** Set when the record was re-processed (after its source fixed it) or superseded by a valid delivery. */
    resolvedAt: at('resolved_at'),
    resolution: text('resolution'),
  },
  (t) => [
    uniqueIndex('quarantine_raw_uq').on(t.system, t.rawHash),
    index('quarantine_system_idx').on(t.system, t.id),
  ],
);

/** Where a pulled source (union-women) stopped: the last `updatedAt` applied. */
export const syncWatermarks = pgTable('sync_watermarks', {
  system: text('system').primaryKey(),
  watermark: text('watermark').notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});

/* ----------------------------------------------------------------- persons and households */

/**
 * A person. Real persons are keyed by the normalised 18-character identity number. Provisional persons
 * (unidentified emergency patients, children known only through a guardian) have no identity number but
 * a `provisional_key`; once merged, `merged_into` points at the person that absorbed them.
 */
export const persons = pgTable(
  'persons',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    idNumber: text('id_number'),
    provisionalKey: text('provisional_key'),
    name: text('name'),
    nameNormalized: text('name_normalized'),
    sex: text('sex'),
    birthDate: day('birth_date'),
    /** County from the latest residence record of an agency, else the identity number's address code. */
    countyCode: text('county_code'),
    countyAsOf: day('county_as_of'),
    /** For a child known through a guardian: the guardian's identity number. */
    guardianIdNumber: text('guardian_id_number'),
    mergedInto: id('merged_into'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('persons_id_number_uq').on(t.idNumber),
    uniqueIndex('persons_provisional_key_uq').on(t.provisionalKey),
    index('persons_guardian_idx').on(t.guardianIdNumber),
    // A merge re-points the persons already merged into the provisional one (`WHERE merged_into = …`).
    index('persons_merged_into_idx').on(t.mergedInto).where(sql`merged_into IS NOT NULL`),
    // The county codes in use, by a loose index scan (the quarterly report's regions; issue 17).
    index('persons_county_idx').on(t.countyCode),
  ],
);

/** A recorded merge of a provisional person into another person; undoing adds `undone_at`, never deletes. */
export const personMerges = pgTable(
  'person_merges',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    fromPersonId: id('from_person_id').notNull(),
    intoPersonId: id('into_person_id').notNull(),
    reason: text('reason').notNull(),
    evidence: jsonb('evidence'),
    mergedAt: at('merged_at').notNull().defaultNow(),
    undoneAt: at('undone_at'),
    undoneBy: text('undone_by'),
    undoReason: text('undo_reason'),
    /**
     * When the source corrected the identity that made the merge (the record now names another person): the
     * merge no longer holds. Not an undo: a later delivery naming the same identity merges again.
     */
    supersededAt: at('superseded_at'),
  },
  // Every identified emergency case asks whether its merge was once undone (from, into).
  (t) => [index('person_merges_from_idx').on(t.fromPersonId, t.intoPersonId)],
);

/** A household: from civil-affairs (householder) and rural-revitalization (户编号) records, else of one. */
export const households = pgTable(
  'households',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `civil:<householder id number>`, `rural:<户编号>` or `single:<person id>`. */
    key: text('key').notNull(),
    sourceSystem: text('source_system').notNull(),
    /** Household annual income as a source stated it (civil affairs). */
    annualIncomeFen: fen('annual_income_fen'),
    /** Per-capita net income (rural ledgers); the household's income is this × its members. */
    perCapitaIncomeFen: fen('per_capita_income_fen'),
    incomeAsOf: day('income_as_of'),
    countyCode: text('county_code'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('households_key_uq').on(t.key)],
);

export const householdMembers = pgTable(
  'household_members',
  {
    householdId: id('household_id').notNull().references(() => households.id),
    personId: id('person_id').notNull().references(() => persons.id),
    /** 本人, 配偶, 子女, … as the source states it. */
    relationship: text('relationship'),
    sourceSystem: text('source_system').notNull(),
    sourceRecordId: text('source_record_id'),
    since: day('since'),
  },
  (t) => [
    primaryKey({ columns: [t.householdId, t.personId] }),
    index('household_members_person_idx').on(t.personId),
    // A record renamed (a voucher delivered later becomes its id, sources.md §8) renames its membership: without
    // it, a scan of every membership per renamed record (issue 17: 2.8 s of a 1% correction delivery, full scale).
    index('household_members_source_idx').on(t.sourceSystem, t.sourceRecordId),
  ],
);

/**
 * The household membership each source record states (one per record): household_members and the
 * households' income and county are derived from the current versions of these, so that a record
 * re-sent under another householder moves its member instead of adding one (domain.md "Corrections").
 */
export const memberships = pgTable(
  'memberships',
  {
    sourceSystem: text('source_system').notNull(),
    sourceRecordId: text('source_record_id').notNull(),
    householdKey: text('household_key').notNull(),
    personId: id('person_id').notNull().references(() => persons.id),
    relationship: text('relationship'),
    asOf: day('as_of'),
    annualIncomeFen: fen('annual_income_fen'),
    perCapitaIncomeFen: fen('per_capita_income_fen'),
    countyCode: text('county_code'),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
  },
  (t) => [
    primaryKey({ columns: [t.sourceSystem, t.sourceRecordId] }),
    index('memberships_person_idx').on(t.personId),
    index('memberships_household_idx').on(t.householdKey),
  ],
);

/**
 * The residence each source record states (a county from a date): a person's county is derived from the
 * current versions of these (the latest by its own date, ties to the later delivery), else the identity
 * number's address code.
 */
export const residences = pgTable(
  'residences',
  {
    sourceSystem: text('source_system').notNull(),
    sourceRecordId: text('source_record_id').notNull(),
    personId: id('person_id').notNull().references(() => persons.id),
    countyCode: text('county_code').notNull(),
    asOf: day('as_of').notNull(),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
  },
  (t) => [primaryKey({ columns: [t.sourceSystem, t.sourceRecordId] }), index('residences_person_idx').on(t.personId)],
);

/** A recipient category held for a period (domain.md "Recipient categories"). */
export const statuses = pgTable(
  'statuses',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    personId: id('person_id').notNull().references(() => persons.id),
    category: text('category').notNull(),
    /** Source wording and extras: 监测类型, disability category and level, … */
    detail: jsonb('detail'),
    validFrom: day('valid_from').notNull(),
    validTo: day('valid_to'),
    countyCode: text('county_code'),
    sourceSystem: text('source_system').notNull(),
    sourceRecordId: text('source_record_id').notNull(),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
  },
  (t) => [
    uniqueIndex('statuses_source_uq').on(t.sourceSystem, t.sourceRecordId),
    // A person's statuses, and the quarterly report's category of each payment read from the index alone
    // (issue 17: one probe per aid record of the quarter, no heap visit).
    index('statuses_person_idx').on(t.personId, t.validFrom, t.validTo, t.category),
  ],
);

/**
 * What each payment states about a status its source implies (a poor worker, a veteran, a disability of a
 * level): one row per (record, derived key). The `statuses` row of a derived key is the aggregate of the
 * current statements (in force from the earliest), and goes when no current record states it any more.
 */
export const statusStatements = pgTable(
  'status_statements',
  {
    sourceSystem: text('source_system').notNull(),
    sourceRecordId: text('source_record_id').notNull(),
    derivedKey: text('derived_key').notNull(),
    personId: id('person_id').notNull().references(() => persons.id),
    category: text('category').notNull(),
    detail: jsonb('detail'),
    validFrom: day('valid_from').notNull(),
    validTo: day('valid_to'),
    countyCode: text('county_code'),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
  },
  (t) => [
    primaryKey({ columns: [t.sourceSystem, t.sourceRecordId, t.derivedKey] }),
    index('status_statements_key_idx').on(t.sourceSystem, t.derivedKey),
    // A merge moves a person's statements, a separation moves them back: without it, a scan of every statement
    // per merge (issue 17: 4.5 s of a 1% correction delivery at full scale).
    index('status_statements_person_idx').on(t.personId),
  ],
);

/* ----------------------------------------------------------------- settlements and aid */

/** A hospital stay settled by medical insurance (一站式结算). */
export const settlements = pgTable(
  'settlements',
  {
    settlementId: text('settlement_id').primaryKey(),
    personId: id('person_id').notNull().references(() => persons.id),
    insuredPersonNo: text('insured_person_no'),
    hospitalCode: text('hospital_code'),
    hospitalName: text('hospital_name'),
    admittedOn: day('admitted_on'),
    dischargedOn: day('discharged_on'),
    diagnosisCode: text('diagnosis_code'),
    totalFen: fen('total_fen').notNull(),
    policyScopeFen: fen('policy_scope_fen').notNull(),
    basicFen: fen('basic_fen').notNull(),
    criticalFen: fen('critical_fen').notNull(),
    supplementFen: fen('supplement_fen').notNull(),
    assistanceFen: fen('assistance_fen').notNull(),
    /** B = total − basic − critical − supplement − assistance. */
    burdenFen: fen('burden_fen').notNull(),
    settledAt: at('settled_at'),
    /** Set when a refund line cancelled this settlement: it then no longer exists for links and totals. */
    refundedBy: text('refunded_by'),
    contentHash: text('content_hash').notNull(),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('settlements_person_idx').on(t.personId),
    index('settlements_hospital_idx').on(t.personId, t.hospitalCode, t.dischargedOn),
  ],
);

/** Refund lines of the settlement feed, kept even when their original has not arrived yet. */
export const settlementRefunds = pgTable(
  'settlement_refunds',
  {
    refundId: text('refund_id').primaryKey(),
    originalSettlementId: text('original_settlement_id').notNull(),
    refundedAt: at('refunded_at'),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
  },
  // Every settlement upsert looks up its refunds (a refund may arrive before its original).
  (t) => [index('settlement_refunds_original_idx').on(t.originalSettlementId)],
);

/**
 * An aid record: one payment or grant of an agency or social channel, current version. The columns under
 * "derived" are recomputed from all records by the overlap rules and never typed in by hand.
 */
export const aidRecords = pgTable(
  'aid_records',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    system: text('system').notNull(),
    recordId: text('record_id').notNull(),
    personId: id('person_id').notNull().references(() => persons.id),
    program: text('program').notNull(),
    fundCode: text('fund_code').notNull(),
    amountFen: fen('amount_fen').notNull(),
    approvedOn: day('approved_on'),
    paidOn: day('paid_on'),
    arrivedAt: at('arrived_at'),
    voucher: text('voucher'),
    voucherNormalized: text('voucher_normalized'),
    /** The settlement id as the source named it (it may arrive before the settlement). */
    settlementRef: text('settlement_ref'),
    hospitalCode: text('hospital_code'),
    /** APPROVED | PAID | ARRIVED | REVERSED */
    status: text('status').notNull(),
    /** What only this system knows (union card, case number, disability level, …), for its SDL fragment. */
    details: jsonb('details'),
    /** SOURCE (delivered by an agency) or API (recorded by a caseworker through recordAid). */
    origin: text('origin').notNull().default('SOURCE'),
    /** Who recorded it through the API (origin API). */
    recordedBy: text('recorded_by'),
    /** Why a caseworker recorded it above the stay's remaining capacity (kept, shown in history). */
    overrideReason: text('override_reason'),
    /** Why and when it was reversed through the API. */
    reversalReason: text('reversal_reason'),
    reversedAt: at('reversed_at'),
    version: integer('version').notNull().default(1),
    contentHash: text('content_hash').notNull(),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    // derived
    duplicateOf: id('duplicate_of'),
    flags: text('flags').array().notNull().default(sql`'{}'::text[]`),
    /** EXPLICIT | INFERRED | NONE */
    linkKind: text('link_kind').notNull().default('NONE'),
    linkedSettlementId: text('linked_settlement_id'),
    excessFen: fen('excess_fen').notNull().default(sql`0`),
    /**
     * The payer's county code as the person's row holds it now (persons.county_code; null when none), copied by
     * the derivation for every record of its scope so that the quarterly report needs no join to persons.
     */
    personCountyCode: text('person_county_code'),
    /**
     * The payer's recipient category on the payment day (`categoryOn` of src/shared/rules.ts, NONE when none),
     * set by the derivation for every record of its scope; null until a derivation has covered the record
     * (the report then asks `categoryOn` itself).
     */
    categoryOnPaid: text('category_on_paid'),
  },
  (t) => [
    uniqueIndex('aid_records_source_uq').on(t.system, t.recordId),
    index('aid_records_person_idx').on(t.personId),
    index('aid_records_voucher_idx').on(t.voucherNormalized),
    index('aid_records_settlement_ref_idx').on(t.settlementRef),
    index('aid_records_linked_idx').on(t.linkedSettlementId),
    // By payment day, with every column the quarterly report reads: a quarter's aid from the index alone
    // (issue 17; an index-only scan once the table is vacuumed), the payer's county and category included (derived).
    index('aid_records_paid_idx').on(t.paidOn, t.personId, t.system, t.program, t.personCountyCode, t.categoryOnPaid, t.amountFen, t.excessFen, t.duplicateOf, t.status),
    // Paid, not arrived, counting: the report's 已发放未到账 per fund, read from the index alone.
    index('aid_records_in_transit_idx')
      .on(t.fundCode, t.paidOn, t.amountFen)
      .where(AWAITING_ARRIVAL),
  ],
);

/**
 * Earlier versions of aid records, superseded by a later delivery with new content (rule 1).
 *
 * On PostgreSQL (and PGlite) the table is partitioned by year of `superseded_at` (migration 0010, declarative
 * partitioning, a DEFAULT partition catching any year without its own): the history grows with time and
 * nothing references it. A partitioned table's unique keys must contain the partition key, hence the primary
 * key (aid_id, version, superseded_at); a version is still written once, by the transaction that supersedes it
 * (`ingest.keep-aid-version` under the aid record's row lock).
 */
export const aidRecordVersions = pgTable(
  'aid_record_versions',
  {
    aidId: id('aid_id').notNull().references(() => aidRecords.id),
    version: integer('version').notNull(),
    content: jsonb('content').notNull(),
    contentHash: text('content_hash').notNull(),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
    supersededAt: at('superseded_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.aidId, t.version, t.supersededAt] })],
);

/**
 * A caseworker's decision on a flagged aid record (review queue). Append only: the latest decision on a
 * (record, kind) is the one in force; undoing is deciding again.
 */
export const reviewDecisions = pgTable(
  'review_decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    aidId: id('aid_id').notNull().references(() => aidRecords.id),
    /** DUPLICATE | VOUCHER_CONFLICT | SUSPECTED_DUPLICATE | SETTLEMENT_PERSON_MISMATCH */
    kind: text('kind').notNull(),
    /** CONFIRM | DISMISS */
    decision: text('decision').notNull(),
    reason: text('reason').notNull(),
    /** For a confirmed suspected duplicate or conflicting report: the record it duplicates. */
    duplicateOf: id('duplicate_of'),
    decidedBy: text('decided_by').notNull(),
    decidedAt: at('decided_at').notNull().defaultNow(),
    /** The facts the decision was made on (src/review/service.ts `basisOf`); it holds only while they do. */
    basis: text('basis'),
  },
  (t) => [index('review_decisions_aid_idx').on(t.aidId, t.kind, t.id)],
);

/**
 * Decisions whose facts changed under them (a correction of a record they concern, src/review/store.ts): kept,
 * no longer in force. Append only, like the decisions.
 */
export const reviewLapses = pgTable('review_lapses', {
  decisionId: id('decision_id').primaryKey().references(() => reviewDecisions.id),
  lapsedAt: at('lapsed_at').notNull().defaultNow(),
  /** RECORD_CORRECTED | RELATED_CHANGED (what changed). */
  reason: text('reason').notNull(),
});

/* ----------------------------------------------------------------- fund pool (ledger) */

/** An account: a program's fund (of its agency), an outside source (budget, donors) or the recipients. */
export const fundAccounts = pgTable('fund_accounts', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  /** FUND | OUTSIDE | RECIPIENTS */
  kind: text('kind').notNull(),
  agency: text('agency'),
  program: text('program'),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** One movement of money; its postings sum to zero. Append only: a correction is a new transaction. */
export const ledgerTransactions = pgTable(
  'ledger_transactions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** ALLOCATION | DONATION | DISBURSEMENT | REVERSAL | ARRIVAL | CORRECTION */
    kind: text('kind').notNull(),
    occurredAt: at('occurred_at').notNull(),
    /**
     * The value date (domain.md "The fund pool"): the day the money moved, in China Standard Time — the payment
     * day of a disbursement, the day of an allocation or donation; a reversal or correction takes the value date
     * of the position it corrects. Quarterly fund figures are by value date, so they follow from the current
     * facts and not from the order in which the hub learned them.
     */
    valueDate: day('value_date').notNull(),
    /** The booking time: when the hub learned it and booked this transaction. */
    bookedAt: at('booked_at').notNull(),
    description: text('description'),
    aidId: id('aid_id').references(() => aidRecords.id),
    sourceSystem: text('source_system'),
    sourceRecordId: text('source_record_id'),
    reversesTxId: id('reverses_tx_id'),
    createdBy: text('created_by'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [index('ledger_tx_aid_idx').on(t.aidId), index('ledger_tx_source_idx').on(t.sourceSystem, t.sourceRecordId)],
);

export const ledgerPostings = pgTable(
  'ledger_postings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    txId: id('tx_id').notNull().references(() => ledgerTransactions.id),
    accountCode: text('account_code').notNull().references(() => fundAccounts.code),
    /** Signed: positive credits the account's balance, negative debits it. */
    amountFen: fen('amount_fen').notNull(),
    personId: id('person_id').references(() => persons.id),
  },
  (t) => [index('ledger_postings_account_idx').on(t.accountCode, t.txId), index('ledger_postings_tx_idx').on(t.txId)],
);

/**
 * The fund accounts' postings summed per value date, kept by `appendTransactions` in the same transaction as
 * the postings it sums: the quarterly report reads balances from here instead of joining every posting to its
 * transaction. `inflows_fen` sums the postings of transactions that book no aid (allocations, donations and
 * their corrections), `outflows_fen` minus the postings of those that book aid (disbursements, reversals,
 * corrections): a reversal is netted against the payment it reverses (same value date), never counted as an
 * inflow. Derived, so not append-only; the ledger itself stays the record.
 */
export const ledgerDaily = pgTable(
  'ledger_daily',
  {
    accountCode: text('account_code').notNull(),
    day: day('day').notNull(),
    inflowsFen: fen('inflows_fen').notNull(),
    outflowsFen: fen('outflows_fen').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountCode, t.day] })],
);

/**
 * What is paid and not arrived (`AWAITING_ARRIVAL`, src/shared/rules.ts), summed per fund and payment day: the
 * quarterly report's 已发放未到账 reads a few thousand rows here instead of every record in transit (issue 17).
 * Kept by triggers on aid_records (migration 0021), so every writer of aid records keeps it without
 * knowing of it; a row whose records go to none is deleted. Derived, like ledger_daily.
 */
export const transitDaily = pgTable(
  'transit_daily',
  {
    fundCode: text('fund_code').notNull(),
    paidOn: day('paid_on').notNull(),
    amountFen: fen('amount_fen').notNull(),
    records: id('records').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fundCode, t.paidOn] })],
);

/**
 * The aid records whose fund-pool positions may differ from what the ledger books: every record inserted, and
 * every record whose status, duplicate, amount, fund, person, arrival or dates changed, marked by triggers on
 * aid_records (migration 0023), so that every writer marks what it changes without knowing of it. The ledger
 * books them and removes them in the same transaction (src/ledger/store.ts), so it is empty between
 * derivations; booking reads back the ledger of these records only, not of every record of every person in
 * scope. No foreign key: it is written per changed row, and aid records are never deleted.
 */
export const ledgerPending = pgTable('ledger_pending', {
  aidId: id('aid_id').primaryKey(),
});

/** Donations received by the social channels (red-cross, charity), as delivered. */
export const donations = pgTable(
  'donations',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    system: text('system').notNull(),
    donationId: text('donation_id').notNull(),
    donor: text('donor'),
    amountFen: fen('amount_fen').notNull(),
    receivedAt: at('received_at').notNull(),
    fundCode: text('fund_code').notNull(),
    contentHash: text('content_hash').notNull(),
    sourceRecordRef: id('source_record_ref').references(() => sourceRecords.id),
  },
  (t) => [uniqueIndex('donations_source_uq').on(t.system, t.donationId)],
);

/* ----------------------------------------------------------------- policy pool, warnings, access */

/** A program rule or warning threshold, versioned with effective dates; a version is never rewritten. */
export const policies = pgTable(
  'policies',
  {
    code: text('code').notNull(),
    version: integer('version').notNull(),
    /** ELIGIBILITY | WARNING */
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    effectiveFrom: day('effective_from').notNull(),
    effectiveTo: day('effective_to'),
    definition: jsonb('definition').notNull(),
    publishedAt: at('published_at').notNull().defaultNow(),
    publishedBy: text('published_by'),
  },
  (t) => [primaryKey({ columns: [t.code, t.version] })],
);

/** An early warning (因病致贫 / 因病返贫 / missed assistance). Closed, never deleted, when it stops holding. */
export const warnings = pgTable(
  'warnings',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    kind: text('kind').notNull(),
    personId: id('person_id').references(() => persons.id),
    householdId: id('household_id').references(() => households.id),
    settlementId: text('settlement_id'),
    countyCode: text('county_code'),
    openedAt: at('opened_at').notNull().defaultNow(),
    closedAt: at('closed_at'),
    evidence: jsonb('evidence').notNull(),
    policyCode: text('policy_code').notNull(),
    policyVersion: integer('policy_version').notNull(),
  },
  (t) => [index('warnings_kind_idx').on(t.kind, t.closedAt), index('warnings_person_idx').on(t.personId), index('warnings_open_household_idx').on(t.householdId).where(sql`closed_at IS NULL`)],
);

/**
 * Append-only log of every read of personal data (who, when, whose record, which fields, why).
 *
 * Partitioned by year of `at` (migration 0010; one partition per year and a DEFAULT one, so an insert never
 * fails): a year's partition is detached and archived, never deleted (README, "Retention"). Its primary key
 * holds the partition key, as PostgreSQL requires; `id` alone still comes from one sequence.
 */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    at: at('at').notNull().defaultNow(),
    actor: text('actor').notNull(),
    actorRole: text('actor_role').notNull(),
    actorAgency: text('actor_agency'),
    actorCounty: text('actor_county'),
    subjectPersonId: id('subject_person_id'),
    subjectIdNumber: text('subject_id_number'),
    operation: text('operation').notNull(),
    fields: text('fields').array().notNull(),
    purpose: text('purpose'),
  },
  (t) => [
    primaryKey({ columns: [t.id, t.at] }),
    index('access_log_subject_idx').on(t.subjectIdNumber, t.at),
    index('access_log_actor_idx').on(t.actor, t.at),
  ],
);

/** Settings the hub keeps for itself and every instance shares (e.g. a generated token secret). */
export const hubSettings = pgTable('hub_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: at('created_at').notNull().defaultNow(),
});

/** Requests per subject per minute: the rate limit shared by all instances. */
export const rateLimits = pgTable(
  'rate_limits',
  {
    subject: text('subject').notNull(),
    minute: at('minute').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.subject, t.minute] })],
);

/**
 * A quarterly report as issued to every member unit: frozen, so that what they received can be reproduced
 * exactly; data arriving later for that quarter shows as adjustments in later reports.
 */
export const publishedReports = pgTable(
  'published_reports',
  {
    year: integer('year').notNull(),
    quarter: integer('quarter').notNull(),
    groupBy: text('group_by').array().notNull(),
    report: jsonb('report').notNull(),
    publishedAt: at('published_at').notNull().defaultNow(),
    publishedBy: text('published_by').notNull(),
    /**
     * The report document as distributed (small cells suppressed): every file of the bundle is rendered from it.
     * `json`, not `jsonb`: kept as written, key order included, so the JSON file is made again byte for byte.
     */
    document: json('document'),
    /** The bundle's manifest as issued (each file's SHA-256): a bundle made again is checked against it. */
    manifest: json('manifest'),
  },
  (t) => [primaryKey({ columns: [t.year, t.quarter] })],
);
