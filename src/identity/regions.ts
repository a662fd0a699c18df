/**
 * Hainan's administrative divisions (domain.md "Identity"): counties roll up to the prefecture-level units
 * Haikou 4601, Sanya 4602, Sansha 4603, Danzhou 4604, and each directly administered county-level unit
 * 4690xx stands on its own. Identity numbers keep the code of first registration forever, so retired codes
 * are valid identities: they are reported as "county unknown" (city where it can still be told), and codes
 * outside Hainan as "outside the province".
 */

export const OUTSIDE_PROVINCE = 'OUTSIDE_PROVINCE';
export const COUNTY_UNKNOWN = 'COUNTY_UNKNOWN';

/** Current county-level codes of Hainan with their names. */
export const HAINAN_COUNTIES: Readonly<Record<string, string>> = Object.freeze({
  '460105': '海口市秀英区',
  '460106': '海口市龙华区',
  '460107': '海口市琼山区',
  '460108': '海口市美兰区',
  '460202': '三亚市海棠区',
  '460203': '三亚市吉阳区',
  '460204': '三亚市天涯区',
  '460205': '三亚市崖州区',
  '460321': '三沙市西沙区',
  '460322': '三沙市南沙区',
  '460400': '儋州市',
  '469001': '五指山市',
  '469002': '琼海市',
  '469005': '文昌市',
  '469006': '万宁市',
  '469007': '东方市',
  '469021': '定安县',
  '469022': '屯昌县',
  '469023': '澄迈县',
  '469024': '临高县',
  '469025': '白沙黎族自治县',
  '469026': '昌江黎族自治县',
  '469027': '乐东黎族自治县',
  '469028': '陵水黎族自治县',
  '469029': '保亭黎族苗族自治县',
  '469030': '琼中黎族苗族自治县',
});

export const CITY_NAMES: Readonly<Record<string, string>> = Object.freeze({
  '4601': '海口市',
  '4602': '三亚市',
  '4603': '三沙市',
  '4604': '儋州市',
});

/** The county a code is reported under: itself when current, else "county unknown" or "outside the province". */
export function reportCounty(code: string | null | undefined): string {
  if (!code || !/^\d{6}$/.test(code)) return COUNTY_UNKNOWN;
  if (!code.startsWith('46')) return OUTSIDE_PROVINCE;
  return HAINAN_COUNTIES[code] ? code : COUNTY_UNKNOWN;
}

/**
 * The prefecture-level unit of a county code: 4601…4604, a 4690xx code itself, or "county unknown" /
 * "outside the province". A retired code still tells its city where the city exists today (460102, the
 * former 振东区, is in Haikou; 469003, Danzhou until 2015, is Danzhou 4604); 4600xx does not.
 */
export function cityOf(code: string | null | undefined): string {
  if (!code || !/^\d{6}$/.test(code)) return COUNTY_UNKNOWN;
  if (!code.startsWith('46')) return OUTSIDE_PROVINCE;
  if (code === '469003') return '4604';
  const prefix = code.slice(0, 4);
  if (CITY_NAMES[prefix]) return prefix;
  if (prefix === '4690' && HAINAN_COUNTIES[code]) return code;
  return COUNTY_UNKNOWN;
}
