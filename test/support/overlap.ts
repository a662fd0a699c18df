/** The overlap totals of a database, in the shape of a generated province's expected.json. */
import { sql } from 'drizzle-orm';
import { rows, type Database } from '../../src/db/client.ts';
import { adapterFor } from '../../adapters/index.ts';
import type { Expected } from '../../generator/index.ts';

export interface OverlapTotals {
  duplicates: { count: number; amountFen: number; byAgency: Record<string, { count: number; amountFen: number }> };
  voucherConflicts: number;
  suspectedDuplicates: number;
  settlementPersonMismatches: number;
  explicitLinks: number;
  inferredLinks: number;
  refundedSettlementAid: number;
  missingSettlementAid: number;
  excess: { amountFen: number; settlements: number; byAgency: Record<string, { amountFen: number }>; byProgram: Record<string, { amountFen: number }> };
}

export function expectedOverlap(e: Expected): OverlapTotals {
  const a = e.aid;
  return {
    duplicates: { count: a.duplicates.count, amountFen: a.duplicates.amountFen, byAgency: a.duplicates.byAgency },
    voucherConflicts: a.voucherConflicts.count,
    suspectedDuplicates: a.suspectedDuplicates.count,
    settlementPersonMismatches: a.settlementPersonMismatches.count,
    explicitLinks: a.explicitLinks,
    inferredLinks: a.inferredLinks.count,
    refundedSettlementAid: a.refundedSettlementAid.count,
    missingSettlementAid: a.missingSettlementAid.count,
    excess: a.excess,
  };
}

export async function overlapTotals(database: Database): Promise<OverlapTotals> {
  const perSystem = await rows<{ system: string; program: string; dup: string; dup_amount: string; conflict: string; suspected: string; mismatch: string; explicit: string; inferred: string; refunded: string; pending: string; excess: string }>(
    database.db,
    sql`SELECT system, program,
          count(*) FILTER (WHERE duplicate_of IS NOT NULL)::text AS dup,
          COALESCE(sum(amount_fen) FILTER (WHERE duplicate_of IS NOT NULL), 0)::text AS dup_amount,
          count(*) FILTER (WHERE 'VOUCHER_CONFLICT' = ANY(flags))::text AS conflict,
          count(*) FILTER (WHERE 'SUSPECTED_DUPLICATE' = ANY(flags))::text AS suspected,
          count(*) FILTER (WHERE 'SETTLEMENT_PERSON_MISMATCH' = ANY(flags))::text AS mismatch,
          count(*) FILTER (WHERE link_kind = 'EXPLICIT')::text AS explicit,
          count(*) FILTER (WHERE link_kind = 'INFERRED')::text AS inferred,
          count(*) FILTER (WHERE 'REFUNDED_SETTLEMENT' = ANY(flags))::text AS refunded,
          count(*) FILTER (WHERE link_kind = 'PENDING')::text AS pending,
          COALESCE(sum(excess_fen), 0)::text AS excess
        FROM aid_records GROUP BY system, program`,
  );
  const t: OverlapTotals = {
    duplicates: { count: 0, amountFen: 0, byAgency: {} },
    voucherConflicts: 0,
    suspectedDuplicates: 0,
    settlementPersonMismatches: 0,
    explicitLinks: 0,
    inferredLinks: 0,
    refundedSettlementAid: 0,
    missingSettlementAid: 0,
    excess: { amountFen: 0, settlements: 0, byAgency: {}, byProgram: {} },
  };
  for (const r of perSystem) {
    const agency = adapterFor(r.system)!.agency;
    const dup = Number(r.dup);
    if (dup > 0) {
      const d = (t.duplicates.byAgency[agency] ??= { count: 0, amountFen: 0 });
      d.count += dup;
      d.amountFen += Number(r.dup_amount);
    }
    t.duplicates.count += dup;
    t.duplicates.amountFen += Number(r.dup_amount);
    t.voucherConflicts += Number(r.conflict);
    t.suspectedDuplicates += Number(r.suspected);
    t.settlementPersonMismatches += Number(r.mismatch);
    t.explicitLinks += Number(r.explicit);
    t.inferredLinks += Number(r.inferred);
    t.refundedSettlementAid += Number(r.refunded);
    t.missingSettlementAid += Number(r.pending);
    const excess = Number(r.excess);
    if (excess > 0) {
      t.excess.amountFen += excess;
      (t.excess.byAgency[agency] ??= { amountFen: 0 }).amountFen += excess;
      (t.excess.byProgram[r.program] ??= { amountFen: 0 }).amountFen += excess;
    }
  }
  const stays = await rows<{ n: string }>(
    database.db,
    sql`SELECT count(*)::text AS n FROM (SELECT linked_settlement_id FROM aid_records WHERE excess_fen > 0 GROUP BY 1) x`,
  );
  t.excess.settlements = Number(stays[0]!.n);
  return t;
}
