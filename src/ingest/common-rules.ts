/**
 * The rules sources.md states once for every format ("Common rules for every format"), checked once, here, on
 * what any adapter mapped — not in twelve mappers: an aid or grant of zero yuan (or less) is quarantined
 * `BAD_AMOUNT`, a donation of zero likewise, and a date in the future `BAD_DATE` (payment, approval, receipt,
 * admission, discharge, settlement, the start of a status or residence; a status's end date may lie ahead).
 * `mapRecord` is the one way a source record becomes facts: the ingest pipeline and re-processing call it.
 */
import type { Adapter, Fact, MapContext, MapOutcome, SourceRecord } from './adapter.ts';
import { cstDate } from '../identity/dates.ts';

type Violation = { reason: 'BAD_AMOUNT' | 'BAD_DATE'; message: string };

const futureDay = (what: string, day: string | null | undefined, ctx: MapContext): Violation | null =>
  day && day > ctx.today ? { reason: 'BAD_DATE', message: `${what} ${day} is in the future (today is ${ctx.today})` } : null;

const futureInstant = (what: string, at: Date | null | undefined, ctx: MapContext): Violation | null =>
  at && at.getTime() > ctx.now.getTime() ? { reason: 'BAD_DATE', message: `${what} ${cstDate(at)} is in the future (today is ${ctx.today})` } : null;

/** The first common rule these facts break, or null. */
export function commonRuleViolation(facts: readonly Fact[], ctx: MapContext): Violation | null {
  for (const f of facts) {
    let v: Violation | null = null;
    switch (f.kind) {
      case 'aid':
        if (f.amountFen <= 0n) return { reason: 'BAD_AMOUNT', message: `an aid or grant of ${f.amountFen === 0n ? 'zero yuan' : 'a negative amount'} cannot be used` };
        v = futureDay('the approval date', f.approvedOn, ctx) ?? futureDay('the payment date', f.paidOn, ctx);
        break;
      case 'donation':
        if (f.amountFen <= 0n) return { reason: 'BAD_AMOUNT', message: `a donation of ${f.amountFen === 0n ? 'zero yuan' : 'a negative amount'} cannot be used` };
        v = futureInstant('the receipt', f.receivedAt, ctx);
        break;
      case 'settlement':
        v = futureDay('the admission date', f.admittedOn, ctx) ?? futureDay('the discharge date', f.dischargedOn, ctx) ?? futureInstant('the settlement', f.settledAt, ctx);
        break;
      case 'refund':
        v = futureInstant('the refund', f.at, ctx);
        break;
      case 'status':
        v = futureDay('the start of the status', f.validFrom, ctx);
        break;
      case 'residence':
        v = futureDay('the residence date', f.asOf, ctx);
        break;
      case 'membership':
        v = futureDay('the membership date', f.asOf, ctx);
        break;
    }
    if (v) return v;
  }
  return null;
}

/** An adapter's mapping of one record, with the common rules applied to what it mapped. */
export function mapRecord(adapter: Adapter, record: SourceRecord, ctx: MapContext): MapOutcome {
  const out = adapter.map(record, ctx);
  if (!out.ok) return out;
  const v = commonRuleViolation(out.facts, ctx);
  return v ? { ok: false, recordId: out.recordId, reason: v.reason, message: v.message } : out;
}
