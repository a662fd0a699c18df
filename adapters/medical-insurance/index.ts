/**
 * `medical-insurance` — 医保一站式结算: the provincial settlement feed, NDJSON with the national platform's
 * field names (sources.md §1). Each line is one hospital stay, or a refund line cancelling one.
 */
import type { Adapter, Fact, MapContext, MapOutcome, SourceRecord } from '../../src/ingest/adapter.ts';
import { readJsonLines, verifyJsonLines, type JsonLine } from '../../src/formats/json.ts';
import { mapJsonLine, refuse } from '../../src/ingest/fields.ts';
import { formatYuan, toFen, type Fen } from '../../src/identity/money.ts';

/** The national platform's tolerance: personal burden may differ from the computed B by at most 0.01 yuan. */
const BURDEN_TOLERANCE_FEN = 1n;

function mapLine(rec: SourceRecord<JsonLine>, ctx: MapContext): MapOutcome {
  return mapJsonLine(rec, ctx, (f, known) => {
    const recordId = known(f.required('setl_id'));
    const flag = f.text('refd_setl_flag') ?? '0';
    if (flag === '1') {
      return {
        recordId,
        facts: [{ kind: 'refund', refundId: recordId, originalSettlementId: f.required('init_setl_id'), at: f.optionalInstant('setl_time') }],
      };
    }
    if (flag !== '0') refuse('BAD_VALUE', `refd_setl_flag "${flag}" is neither "0" nor "1"`);

    const idNumber = f.idNumber('certno');
    const totalFen = f.yuan('medfee_sumamt');
    // A fund that paid nothing is often sent empty rather than "0".
    const paid = (field: string): Fen => f.optionalYuan(field) ?? 0n;
    const policyScopeFen = paid('inscp_scp_amt');
    const basicFen = paid('hifp_pay');
    const criticalFen = paid('hifmi_pay');
    const supplementFen = paid('hifob_pay');
    const assistanceFen = paid('maf_pay');
    const statedBurden = f.yuan('psn_part_amt');
    const burdenFen = totalFen - basicFen - criticalFen - supplementFen - assistanceFen;
    if (burdenFen < 0n) {
      refuse('BURDEN_MISMATCH', `fund payments exceed the total cost ${formatYuan(totalFen)} by ${formatYuan(-burdenFen)}`);
    }
    const gap = statedBurden > burdenFen ? statedBurden - burdenFen : burdenFen - statedBurden;
    if (gap > BURDEN_TOLERANCE_FEN) {
      refuse(
        'BURDEN_MISMATCH',
        `psn_part_amt ${formatYuan(statedBurden)} differs from medfee_sumamt − hifp_pay − hifmi_pay − hifob_pay − maf_pay = ${formatYuan(burdenFen)}`,
      );
    }
    const admittedOn = f.optionalDate('begndate');
    const dischargedOn = f.optionalDate('enddate');
    if (admittedOn && dischargedOn && dischargedOn < admittedOn) {
      refuse('BAD_DATE', `enddate ${dischargedOn} is before begndate ${admittedOn}`);
    }
    const settlement: Fact = {
      kind: 'settlement',
      person: { idNumber, name: f.asReceived('psn_name') },
      settlementId: recordId,
      insuredPersonNo: f.text('psn_no'),
      hospitalCode: f.text('fixmedins_code'),
      hospitalName: f.text('fixmedins_name'),
      admittedOn,
      dischargedOn,
      diagnosisCode: f.text('diag_code'),
      totalFen,
      policyScopeFen,
      basicFen,
      criticalFen,
      supplementFen,
      assistanceFen,
      burdenFen,
      settledAt: f.optionalInstant('setl_time'),
    };
    return { recordId, facts: [settlement] };
  });
}

const sdl = /* GraphQL */ `
  extend type Settlement {
    """
    What the medical-insurance settlement (医保一站式结算单) says about this stay beyond its totals: diagnosis,
    policy-scope cost and what each insurance fund paid.
    """
    medicalInsurance: SettlementInsuranceDetail
  }

  """
  The payment breakdown of a hospital stay as settled by medical insurance (医保结算明细). The personal burden
  (个人负担) is the total minus the four fund payments below.
  """
  type SettlementInsuranceDetail {
    """Insured person number (人员编号) in the medical-insurance system."""
    insuredPersonNo: String
    """Designated hospital (定点医疗机构) name as the insurance system records it."""
    hospitalName: String
    """Admission day (入院日期)."""
    admittedOn: Date
    """Discharge day (出院日期)."""
    dischargedOn: Date
    """Main diagnosis (主要诊断), ICD-10 code."""
    diagnosisCode: String
    """Cost within the policy scope (政策范围内费用)."""
    policyScope: Yuan!
    """Paid by the basic medical insurance pooled fund (基本医疗保险统筹基金支付)."""
    basicInsurance: Yuan!
    """Paid by residents' critical-illness insurance (城乡居民大病保险支付)."""
    criticalIllnessInsurance: Yuan!
    """Paid by the employees' large-amount medical supplement (职工大额医疗补助支付)."""
    largeAmountSupplement: Yuan!
    """Paid by the medical assistance fund (医疗救助基金支付)."""
    medicalAssistance: Yuan!
  }
`;

type SettlementRow = Record<string, unknown>;
const yuanOf = (column: string) => (p: SettlementRow) => formatYuan(toFen(p[column]));

export const medicalInsurance: Adapter<JsonLine> = {
  code: 'medical-insurance',
  agency: 'medical-security',
  title: '医保一站式结算',
  programs: [],
  format: 'NDJSON (UTF-8), one settlement or refund line per line, national medical-insurance field names',
  verify: (input) => verifyJsonLines(input, ['setl_id']),
  read: readJsonLines,
  map: mapLine,
  sdl,
  resolvers: {
    // The detail is a view of the settlement row itself (table `settlements`), so the parent passes through.
    Settlement: { medicalInsurance: (p: SettlementRow) => p },
    SettlementInsuranceDetail: {
      insuredPersonNo: (p: SettlementRow) => p.insuredPersonNo ?? null,
      hospitalName: (p: SettlementRow) => p.hospitalName ?? null,
      admittedOn: (p: SettlementRow) => p.admittedOn ?? null,
      dischargedOn: (p: SettlementRow) => p.dischargedOn ?? null,
      diagnosisCode: (p: SettlementRow) => p.diagnosisCode ?? null,
      policyScope: yuanOf('policyScopeFen'),
      basicInsurance: yuanOf('basicFen'),
      criticalIllnessInsurance: yuanOf('criticalFen'),
      largeAmountSupplement: yuanOf('supplementFen'),
      medicalAssistance: yuanOf('assistanceFen'),
    },
  },
};
