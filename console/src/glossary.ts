/**
 * The names caseworkers use for the hub's codes (/work/shared/docs/glossary.md), in one table: agencies,
 * categories, statuses, flags with what each means, warnings, quarantine reasons, roles. Counties and
 * cities come from the hub's own table (src/identity/regions.ts), program names from the hub (`systems`).
 */
import { CITY_NAMES, HAINAN_COUNTIES } from '../../src/identity/regions.ts';
import { t } from './i18n.ts';

interface Term {
  zh: string;
  en: string;
  /** What a caseworker reads: the meaning in a sentence. */
  explainZh?: string;
  explainEn?: string;
}

const AGENCIES: Record<string, Term & { short: string }> = {
  'medical-security': { zh: '海南省医疗保障局', short: '医保局', en: 'Medical Security Bureau' },
  'civil-affairs': { zh: '海南省民政厅', short: '民政厅', en: 'Civil Affairs' },
  health: { zh: '海南省卫生健康委员会', short: '卫健委', en: 'Health Commission' },
  'rural-revitalization': { zh: '海南省乡村振兴局', short: '乡村振兴局', en: 'Rural Revitalization' },
  'trade-unions': { zh: '海南省总工会', short: '省总工会', en: 'Federation of Trade Unions' },
  'veterans-affairs': { zh: '海南省退役军人事务厅', short: '退役军人事务厅', en: 'Veterans Affairs' },
  'womens-federation': { zh: '海南省妇女联合会', short: '省妇联', en: "Women's Federation" },
  'disabled-federation': { zh: '海南省残疾人联合会', short: '省残联', en: 'Disabled Persons Federation' },
  'red-cross': { zh: '海南省红十字会', short: '红十字会', en: 'Red Cross' },
  'charity-federation': { zh: '海南省慈善总会', short: '慈善总会', en: 'Charity Federation' },
};

const CATEGORIES: Record<string, Term> = {
  EXTREMELY_POOR: { zh: '特困供养人员', en: 'Extremely poor' },
  MINIMUM_LIVING: { zh: '低保对象', en: 'Minimum living allowance' },
  LOW_INCOME_MARGINAL: { zh: '低保边缘家庭成员', en: 'Low-income marginal household' },
  EXPENDITURE_HARDSHIP: { zh: '支出型困难人员', en: 'Expenditure hardship' },
  RURAL_MONITORED: { zh: '农村易返贫致贫人口', en: 'Rural monitored (risk of poverty)' },
  POOR_WORKER: { zh: '困难职工', en: 'Worker in hardship' },
  VETERAN: { zh: '困难退役军人', en: 'Veteran in hardship' },
  DISABLED: { zh: '残疾人', en: 'Person with disability' },
  WOMAN_CHILD_HARDSHIP: { zh: '困难妇女儿童', en: 'Woman or child in hardship' },
  NONE: { zh: '无认定身份', en: 'No category' },
};

const STATUSES: Record<string, Term> = {
  APPROVED: { zh: '已审批', en: 'Approved' },
  PAID: { zh: '已发放', en: 'Paid' },
  ARRIVED: { zh: '已到账', en: 'Arrived' },
  REVERSED: { zh: '已撤销', en: 'Reversed' },
};

const FLAGS: Record<string, Term> = {
  DUPLICATE: {
    zh: '重复上报', en: 'Duplicate report',
    explainZh: '同一笔救助被再次上报，不计入任何合计；请看其首报记录。',
    explainEn: 'The same payment reported again; it counts nowhere. See its primary record.',
  },
  VOUCHER_CONFLICT: {
    zh: '凭证冲突', en: 'Voucher conflict',
    explainZh: '同一凭证号对应不同的人或金额；两条都计入，需要复核。',
    explainEn: 'One voucher with a different person or amount; both count until reviewed.',
  },
  SUSPECTED_DUPLICATE: {
    zh: '疑似重复救助', en: 'Suspected duplicate',
    explainZh: '两个系统在3天内为同一次住院支付了相同金额；需要复核。',
    explainEn: 'Same stay and amount within 3 days from two systems; review it.',
  },
  SETTLEMENT_PERSON_MISMATCH: {
    zh: '结算单与人员不符', en: 'Settlement of another person',
    explainZh: '记录填写的结算单属于另一个人，未关联该住院，按一般救助处理。',
    explainEn: "Names another person's stay; not linked, counted as general aid.",
  },
  REFUNDED_SETTLEMENT: {
    zh: '结算已退费', en: 'Stay refunded',
    explainZh: '记录所关联的住院结算已退费，现按一般救助处理；需要复核。',
    explainEn: 'The stay it named was refunded; now general aid; review it.',
  },
  INFERRED_LINK: {
    zh: '推定关联', en: 'Inferred link',
    explainZh: '未填写结算单号，按医院和日期推定关联到住院。',
    explainEn: 'Linked by hospital and date, not by settlement id.',
  },
  EXCESS: {
    zh: '超额救助', en: 'Over-aid',
    explainZh: '该记录超出住院个人负担的部分（超额救助），是平台要防止的。',
    explainEn: 'The part of this aid above the stay’s personal burden.',
  },
  OVERRIDDEN: {
    zh: '超额度发放', en: 'Capacity overridden',
    explainZh: '经办人员说明理由后超出剩余可救助额度发放。',
    explainEn: 'Recorded above the remaining capacity with a reason.',
  },
};

const LINKS: Record<string, Term> = {
  EXPLICIT: { zh: '结算单关联', en: 'Settlement id' },
  INFERRED: { zh: '推定关联', en: 'Inferred' },
  PENDING: { zh: '待关联', en: 'Pending' },
  NONE: { zh: '一般救助', en: 'General aid' },
};

const WARNINGS: Record<string, Term> = {
  RETURN_TO_POVERTY_RISK: {
    zh: '因病返贫风险', en: 'Risk of return to poverty',
    explainZh: '低收入家庭（或5年内退出认定的家庭）近期医疗负担达到预警标准。',
    explainEn: 'A low-income household whose medical burden reached the threshold.',
  },
  ILLNESS_POVERTY_RISK: {
    zh: '因病致贫风险', en: 'Risk of poverty through illness',
    explainZh: '无认定身份的家庭近期医疗负担达到预警标准。',
    explainEn: 'A household without status whose medical burden reached the threshold.',
  },
  MISSED_ASSISTANCE: {
    zh: '应救未救', en: 'Missed assistance',
    explainZh: '重点或低收入救助对象的住院结算未获医疗救助（身份未推送至医保）。',
    explainEn: 'A stay of a key or low-income recipient settled with no medical assistance.',
  },
};

const QUARANTINE: Record<string, Term> = {
  INVALID_ID: { zh: '身份证号无效', en: 'Invalid identity number' },
  BAD_AMOUNT: { zh: '金额无效', en: 'Invalid amount' },
  BAD_DATE: { zh: '日期无效', en: 'Invalid date' },
  MISSING_FIELD: { zh: '必填项缺失', en: 'Missing field' },
  BURDEN_MISMATCH: { zh: '个人负担不平衡', en: 'Burden does not balance' },
  CERT_MISMATCH: { zh: '残疾人证号与类别等级不符', en: 'Certificate mismatch' },
  BAD_VALUE: { zh: '取值无效', en: 'Invalid value' },
  UNPARSABLE: { zh: '无法解析', en: 'Unparsable' },
  INTEGRITY: { zh: '文件校验不符', en: 'Integrity check failed' },
  MALFORMED: { zh: '文件格式错误', en: 'Malformed file' },
};

const ROLES: Record<string, Term> = {
  CASEWORKER: { zh: '经办人员', en: 'Caseworker' },
  PLATFORM: { zh: '省医疗救助平台', en: 'Provincial platform' },
  CHARITY: { zh: '慈善机构', en: 'Charity' },
  AUDITOR: { zh: '审计人员', en: 'Auditor' },
  SOURCE_SYSTEM: { zh: '数据报送系统', en: 'Source system' },
};

const REFUSALS: Record<string, Term> = {
  OVER_CAPACITY: { zh: '超出该次住院剩余可救助额度', en: 'Above the stay’s remaining capacity' },
  INSUFFICIENT_FUNDS: { zh: '资金池余额不足', en: 'The fund’s balance does not cover it' },
  SETTLEMENT_REFUNDED: { zh: '该住院结算已退费，不能再救助', en: 'The stay was refunded' },
  SETTLEMENT_PERSON_MISMATCH: { zh: '结算单属于另一个人', en: 'The stay belongs to another person' },
};

const SEX: Record<string, Term> = { MALE: { zh: '男', en: 'Male' }, FEMALE: { zh: '女', en: 'Female' } };

const name = (table: Record<string, Term>, code: string | null | undefined): string => {
  if (!code) return '—';
  const term = table[code];
  return term ? t(term.zh, term.en) : code;
};
const explain = (table: Record<string, Term>, code: string): string => {
  const term = table[code];
  return term?.explainZh ? t(term.explainZh, term.explainEn ?? term.explainZh) : '';
};

export const agencyName = (code: string | null | undefined) => name(AGENCIES, code);
export const agencyShort = (code: string | null | undefined) => (code && AGENCIES[code] ? t(AGENCIES[code].short, AGENCIES[code].en) : code ?? '—');
export const categoryName = (code: string | null | undefined) => name(CATEGORIES, code);
export const statusName = (code: string | null | undefined) => name(STATUSES, code);
export const flagName = (code: string) => name(FLAGS, code);
export const flagExplain = (code: string) => explain(FLAGS, code);
export const linkName = (code: string) => name(LINKS, code);
export const warningName = (code: string) => name(WARNINGS, code);
export const warningExplain = (code: string) => explain(WARNINGS, code);
export const quarantineReason = (code: string) => name(QUARANTINE, code);
export const roleName = (code: string) => name(ROLES, code);
export const refusalName = (code: string) => name(REFUSALS, code);
export const sexName = (code: string | null | undefined) => name(SEX, code);
export const ALL_CATEGORIES = Object.keys(CATEGORIES).filter((c) => c !== 'NONE');
export const ALL_WARNINGS = Object.keys(WARNINGS);
export const ALL_AGENCIES = Object.keys(AGENCIES);

/** County or city code in words (the hub's table); the code itself when unknown. */
export function regionName(code: string | null | undefined): string {
  if (!code) return '—';
  if (code === 'COUNTY_UNKNOWN') return t('区县未知（已撤销代码）', 'County unknown (retired code)');
  if (code === 'OUTSIDE_PROVINCE') return t('省外', 'Outside the province');
  return HAINAN_COUNTIES[code] ?? CITY_NAMES[code] ?? code;
}

/** An eligibility reason code in words (src/policy/eligibility.ts writes them; some carry a number or a category). */
export function eligibilityReason(code: string): string {
  let m: RegExpMatchArray | null;
  if ((m = code.match(/^HOLDS_(.+)$/))) return t(`持有「${categoryName(m[1])}」认定`, `Holds the status ${categoryName(m[1])}`);
  if ((m = code.match(/^LACKS_(.+)$/))) {
    const cats = m[1]!.split('_OR_').map(categoryName).join(t('或', ' or '));
    return t(`未持有「${cats}」认定`, `Holds no status ${cats}`);
  }
  if ((m = code.match(/^CHILD_UNDER_(\d+)$/))) return t(`未满${m[1]}周岁的儿童`, `A child under ${m[1]}`);
  if ((m = code.match(/^NEITHER_WOMAN_NOR_CHILD_UNDER_(\d+)$/))) return t(`既不是女性，也不是未满${m[1]}周岁的儿童`, `Neither a woman nor a child under ${m[1]}`);
  if ((m = code.match(/^NOT_UNDER_(\d+)$/))) return t(`已满${m[1]}周岁`, `Not under ${m[1]}`);
  if ((m = code.match(/^UNDER_(\d+)$/))) return t(`未满${m[1]}周岁`, `Under ${m[1]}`);
  const fixed: Record<string, [string, string]> = {
    WOMAN: ['女性', 'A woman'],
    FEMALE: ['女性', 'Female'],
    MALE: ['男性', 'Male'],
    NOT_FEMALE: ['不是女性', 'Not female'],
    NOT_MALE: ['不是男性', 'Not male'],
    UNION_MEMBER: ['持有工会会员卡', 'Holds a trade-union member card'],
    NO_UNION_CARD: ['未持有工会会员卡', 'Holds no trade-union member card'],
    NET_BURDEN_AT_LEAST_THRESHOLD: ['扣除医保和已计入的公共救助后，个人负担达到规定标准', 'Net burden after insurance and counted public aid reaches the threshold'],
    NET_BURDEN_BELOW_THRESHOLD: ['扣除医保和已计入的公共救助后，个人负担未达到规定标准', 'Net burden after insurance and counted public aid is below the threshold'],
    PERSON_UNKNOWN: ['无可计入的医疗负担', 'No countable medical burden'],
  };
  const f = fixed[code];
  return f ? t(f[0], f[1]) : code;
}
