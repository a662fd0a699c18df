/**
 * The Chinese names beside the codes (shared/docs/glossary.md): one table for the reports, the console and
 * the README. County and city names come from the one table of divisions (src/identity/regions.ts), program
 * and system titles from their adapters; everything else is here.
 */
import { adapters } from '../adapters/index.ts';
import { CITY_NAMES, COUNTY_UNKNOWN, HAINAN_COUNTIES, OUTSIDE_PROVINCE } from './identity/regions.ts';

/** Agencies (member units): full name and the short name used in tables. */
export const AGENCY_NAMES: Readonly<Record<string, { name: string; short: string }>> = Object.freeze({
  'medical-security': { name: '海南省医疗保障局', short: '医保局' },
  'civil-affairs': { name: '海南省民政厅', short: '民政厅' },
  health: { name: '海南省卫生健康委员会', short: '卫健委' },
  'rural-revitalization': { name: '海南省乡村振兴局', short: '乡村振兴局' },
  'trade-unions': { name: '海南省总工会', short: '省总工会' },
  'veterans-affairs': { name: '海南省退役军人事务厅', short: '退役军人事务厅' },
  'womens-federation': { name: '海南省妇女联合会', short: '省妇联' },
  'disabled-federation': { name: '海南省残疾人联合会', short: '省残联' },
  'red-cross': { name: '海南省红十字会', short: '红十字会' },
  'charity-federation': { name: '海南省慈善总会', short: '慈善总会' },
});

/** Recipient categories; NONE is a payment to a person holding no status that day. */
export const CATEGORY_NAMES: Readonly<Record<string, string>> = Object.freeze({
  EXTREMELY_POOR: '特困供养人员',
  MINIMUM_LIVING: '低保对象',
  LOW_INCOME_MARGINAL: '低保边缘家庭成员',
  EXPENDITURE_HARDSHIP: '支出型困难人员',
  RURAL_MONITORED: '农村易返贫致贫人口',
  POOR_WORKER: '困难职工',
  VETERAN: '困难退役军人',
  DISABLED: '残疾人',
  WOMAN_CHILD_HARDSHIP: '困难妇女儿童',
  NONE: '无救助对象身份',
});

export const WARNING_NAMES: Readonly<Record<string, string>> = Object.freeze({
  RETURN_TO_POVERTY_RISK: '因病返贫风险',
  ILLNESS_POVERTY_RISK: '因病致贫风险',
  MISSED_ASSISTANCE: '应救未救',
});

export const ROLE_NAMES: Readonly<Record<string, string>> = Object.freeze({
  CASEWORKER: '经办人员',
  PLATFORM: '省医疗救助平台',
  CHARITY: '慈善机构',
  AUDITOR: '审计人员',
  SOURCE_SYSTEM: '数据报送系统',
});

/** The report's dimensions. */
export const DIMENSION_NAMES: Readonly<Record<string, string>> = Object.freeze({
  SYSTEM: '系统',
  AGENCY: '部门',
  PROGRAM: '救助项目',
  COUNTY: '县区',
  CITY: '市县',
  CATEGORY: '救助类别',
});

const REGION_SPECIAL: Readonly<Record<string, string>> = Object.freeze({ [OUTSIDE_PROVINCE]: '省外', [COUNTY_UNKNOWN]: '县区不详' });

const programTitles = new Map(adapters.flatMap((a) => a.programs.map((p) => [p.code, p.title] as const)));
const systemTitles = new Map(adapters.map((a) => [a.code, a.title] as const));

/** A county as reported (460105, 469001…, OUTSIDE_PROVINCE, COUNTY_UNKNOWN). */
export function countyName(code: string | null | undefined): string | null {
  if (!code) return null;
  return HAINAN_COUNTIES[code] ?? REGION_SPECIAL[code] ?? null;
}

/** A prefecture-level unit as reported (4601…4604, a 4690xx county, OUTSIDE_PROVINCE, COUNTY_UNKNOWN). */
export function cityName(code: string | null | undefined): string | null {
  if (!code) return null;
  return CITY_NAMES[code] ?? (code.startsWith('4690') ? HAINAN_COUNTIES[code] : undefined) ?? REGION_SPECIAL[code] ?? null;
}

export const agencyName = (code: string | null | undefined): string | null => (code ? (AGENCY_NAMES[code]?.name ?? null) : null);
export const programName = (code: string | null | undefined): string | null => (code ? (programTitles.get(code) ?? null) : null);
export const systemName = (code: string | null | undefined): string | null => (code ? (systemTitles.get(code) ?? null) : null);
export const categoryName = (code: string | null | undefined): string | null => (code ? (CATEGORY_NAMES[code] ?? null) : null);

/** The name of a value of a report dimension; null for a code without one. */
export function dimensionValueName(dimension: string, code: string | null | undefined): string | null {
  switch (dimension) {
    case 'SYSTEM':
      return systemName(code);
    case 'AGENCY':
      return agencyName(code);
    case 'PROGRAM':
      return programName(code);
    case 'COUNTY':
      return countyName(code);
    case 'CITY':
      return cityName(code);
    case 'CATEGORY':
      return categoryName(code);
    default:
      return null;
  }
}
