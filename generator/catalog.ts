/** The fixed vocabulary of the synthetic province: systems, agencies, programs, places, names. */

export const SYSTEMS = [
  'medical-insurance',
  'civil-affairs',
  'health-emergency',
  'rural-revitalization',
  'union-mutual-aid',
  'union-women',
  'union-hardship',
  'veterans',
  'women-children',
  'disabled-rehab',
  'red-cross',
  'charity',
] as const;
export type SystemCode = (typeof SYSTEMS)[number];

// Plain numbers rather than an enum: the model's columns are typed arrays of these.
export const S_MI = 0;
export const S_CIVIL = 1;
export const S_EMERG = 2;
export const S_RURAL = 3;
export const S_UMA = 4;
export const S_UW = 5;
export const S_UH = 6;
export const S_VET = 7;
export const S_WC = 8;
export const S_DIS = 9;
export const S_RC = 10;
export const S_CH = 11;

export const AGENCY: readonly string[] = [
  'medical-security',
  'civil-affairs',
  'health',
  'rural-revitalization',
  'trade-unions',
  'trade-unions',
  'trade-unions',
  'veterans-affairs',
  'womens-federation',
  'disabled-federation',
  'red-cross',
  'charity-federation',
];

/** Program of an aid record: PROGRAMS[system][program index]; only women-children has two. */
export const PROGRAMS: readonly (readonly string[])[] = [
  [],
  ['TEMPORARY_ASSISTANCE'],
  ['DISEASE_EMERGENCY'],
  ['RURAL_MEDICAL_SUPPORT'],
  ['WORKER_MUTUAL_AID'],
  ['FEMALE_WORKER_MUTUAL_AID'],
  ['POOR_WORKER_MEDICAL'],
  ['VETERAN_ASSISTANCE'],
  ['WOMEN_TWO_CANCERS', 'CHILD_SERIOUS_ILLNESS'],
  ['DISABLED_REHAB'],
  ['RED_CROSS_MEDICAL'],
  ['CHARITY_MEDICAL'],
];
export const WC_WOMAN = 0;
export const WC_CHILD = 1;

export interface County {
  code: string;
  name: string;
  /** Relative population, for drawing residences. */
  weight: number;
  /** Address codes an identity number registered here may carry (the first is today's). */
  idCodes: readonly string[];
}

export const COUNTIES: readonly County[] = [
  { code: '460105', name: '海口市秀英区', weight: 4, idCodes: ['460105', '460102'] },
  { code: '460106', name: '海口市龙华区', weight: 8, idCodes: ['460106', '460102'] },
  { code: '460107', name: '海口市琼山区', weight: 6, idCodes: ['460107'] },
  { code: '460108', name: '海口市美兰区', weight: 7, idCodes: ['460108', '460102'] },
  { code: '460202', name: '三亚市海棠区', weight: 2, idCodes: ['460202'] },
  { code: '460203', name: '三亚市吉阳区', weight: 4, idCodes: ['460203'] },
  { code: '460204', name: '三亚市天涯区', weight: 4, idCodes: ['460204'] },
  { code: '460205', name: '三亚市崖州区', weight: 2, idCodes: ['460205'] },
  { code: '460321', name: '三沙市', weight: 0.05, idCodes: ['460321'] },
  { code: '460400', name: '儋州市', weight: 10, idCodes: ['460400', '469003'] },
  { code: '469001', name: '五指山市', weight: 1, idCodes: ['469001'] },
  { code: '469002', name: '琼海市', weight: 5, idCodes: ['469002'] },
  { code: '469005', name: '文昌市', weight: 5.5, idCodes: ['469005'] },
  { code: '469006', name: '万宁市', weight: 5.5, idCodes: ['469006'] },
  { code: '469007', name: '东方市', weight: 4.5, idCodes: ['469007'] },
  { code: '469021', name: '定安县', weight: 3, idCodes: ['469021'] },
  { code: '469022', name: '屯昌县', weight: 2.5, idCodes: ['469022'] },
  { code: '469023', name: '澄迈县', weight: 5, idCodes: ['469023'] },
  { code: '469024', name: '临高县', weight: 4.5, idCodes: ['469024'] },
  { code: '469025', name: '白沙黎族自治县', weight: 1.7, idCodes: ['469025'] },
  { code: '469026', name: '昌江黎族自治县', weight: 2.3, idCodes: ['469026'] },
  { code: '469027', name: '乐东黎族自治县', weight: 4.7, idCodes: ['469027'] },
  { code: '469028', name: '陵水黎族自治县', weight: 3.5, idCodes: ['469028'] },
  { code: '469029', name: '保亭黎族苗族自治县', weight: 1.5, idCodes: ['469029'] },
  { code: '469030', name: '琼中黎族苗族自治县', weight: 1.8, idCodes: ['469030'] },
];
export const COUNTY_WEIGHTS = COUNTIES.map((c) => c.weight);

/**
 * Every address code an identity number may carry. Retired Hainan codes (4600xx before 2003, 469003 for
 * Danzhou until 2015) and codes outside the province are valid identity numbers all the same.
 */
export const RETIRED_CODES = ['460001', '460003', '469003'] as const;
export const OUTSIDE_CODES = ['440106', '110101', '430102', '450102', '360102', '510104'] as const;
export const ADDRESS_CODES: readonly string[] = [
  ...new Set([...COUNTIES.flatMap((c) => c.idCodes), ...RETIRED_CODES, ...OUTSIDE_CODES]),
];
export const ADDRESS_INDEX = new Map(ADDRESS_CODES.map((c, i) => [c, i]));

export interface Hospital {
  code: string;
  name: string;
  /** County index; -1 for the provincial hospitals every county sends patients to. */
  county: number;
}

function buildHospitals(): Hospital[] {
  const out: Hospital[] = [
    { code: 'H46010200001', name: '海南省人民医院', county: -1 },
    { code: 'H46010200002', name: '海南医学院第一附属医院', county: -1 },
    { code: 'H46010200003', name: '海南医学院第二附属医院', county: -1 },
    { code: 'H46010200004', name: '海南省肿瘤医院', county: -1 },
    { code: 'H46010200005', name: '海南省妇女儿童医学中心', county: -1 },
  ];
  COUNTIES.forEach((c, i) => {
    const short = c.name.replace(/^(海口市|三亚市)/, '').replace(/(黎族苗族自治县|黎族自治县)$/, '');
    out.push({ code: `H${c.code}00001`, name: `${short}人民医院`, county: i });
    if (c.weight >= 2) out.push({ code: `H${c.code}00002`, name: `${short}中医院`, county: i });
    if (c.weight >= 4) out.push({ code: `H${c.code}00003`, name: `${short}妇幼保健院`, county: i });
  });
  return out;
}
export const HOSPITALS: readonly Hospital[] = buildHospitals();
export const PROVINCIAL_HOSPITALS = HOSPITALS.flatMap((h, i) => (h.county < 0 ? [i] : []));
export const HOSPITALS_OF_COUNTY: readonly (readonly number[])[] = COUNTIES.map((_, ci) => HOSPITALS.flatMap((h, i) => (h.county === ci ? [i] : [])));

export const SURNAMES = [
  '王', '陈', '李', '林', '符', '吴', '黄', '张', '邢', '羊', '蔡', '梁', '周', '郑', '冯', '韩', '谢', '许', '唐', '卓',
  '何', '刘', '杨', '云', '潘', '麦', '莫', '钟', '曾', '邓', '文', '孙', '庞', '胡', '陆', '郭', '罗', '欧阳', '吉', '董',
] as const;
export const GIVEN_MALE = ['伟', '强', '明', '海', '军', '华', '建', '国', '志', '勇', '文', '杰', '波', '辉', '亮', '平', '东', '成', '祥', '福', '宏', '俊', '鹏', '飞'];
export const GIVEN_FEMALE = ['芳', '娟', '丽', '霞', '琼', '梅', '兰', '英', '燕', '玲', '红', '萍', '秀', '珍', '婷', '静', '雪', '慧', '娜', '妹', '花', '月', '琳', '颖'];
/** Transliterated names written with a middle dot (given·family): the dot is where sources disagree. */
export const DOTTED_GIVEN_MALE = ['阿不都', '买买提', '艾力', '热合曼', '伊力哈木', '努尔', '吐尔洪', '麦麦提'];
export const DOTTED_GIVEN_FEMALE = ['阿依古丽', '古丽娜', '帕提古丽', '米热', '热依拉', '祖丽菲亚', '阿依努尔', '迪丽拜尔'];
export const DOTTED_FAMILY = ['艾买提', '吐尔逊', '买买提', '阿布拉', '依明', '沙吾提', '卡德尔', '玉素甫'];
export const MIDDLE_DOTS = ['·', '•', '・'] as const;

export const CIVIL_CATEGORIES = ['特困供养', '低保', '低保边缘', '支出型困难'] as const;
export const CIVIL_CATEGORY_WEIGHTS = [15, 50, 20, 15];
export const RELATIONSHIPS = ['本人', '配偶', '子女', '父母', '孙子女', '兄弟姐妹', '其他'] as const;
export const REL_SELF = 0;
export const REL_SPOUSE = 1;
export const REL_CHILD = 2;
export const REL_PARENT = 3;
export const REL_GRANDCHILD = 4;
export const REL_SIBLING = 5;
export const RURAL_TYPES = ['脱贫不稳定户', '边缘易致贫户', '突发严重困难户'] as const;
export const RURAL_TYPE_WEIGHTS = [40, 40, 20];

export const DISABILITY_CATEGORIES = ['视力', '听力', '言语', '肢体', '智力', '精神', '多重'] as const;
export const DISABILITY_LEVELS = ['一级', '二级', '三级', '四级'] as const;

export const DIAGNOSES = ['C50.9', 'C53.9', 'C34.9', 'C16.9', 'C22.0', 'C18.9', 'I63.9', 'I61.9', 'I21.9', 'N18.5', 'J18.9', 'K74.6', 'E11.9', 'S72.0', 'J44.1', 'D61.9', 'C91.0', 'Q21.0'];
export const ILLNESSES = ['乳腺癌', '宫颈癌', '卵巢癌', '子宫内膜癌', '甲状腺癌'];
export const RURAL_ITEMS = ['住院救助', '慢病补助', '医疗救助'];
export const VETERAN_ITEMS = ['医疗救助', '大病帮扶', '临时困难救助'];
export const DISABLED_ITEMS = ['医疗康复', '康复训练,辅具适配', '精神病药物补助'];
export const CHARITY_ITEMS = ['大病救助', '大病救助,特殊药品援助', '儿童大病专项'];
export const EMPLOYERS = [
  '海南航空控股股份有限公司',
  '海口市第一中学',
  '中国石化海南炼油化工有限公司',
  '海南农垦控股集团有限公司',
  '三亚凤凰国际机场有限责任公司',
  '海南椰风&海韵贸易有限公司',
  '琼海市人民医院',
  '海南电网有限责任公司',
  '儋州市环境卫生管理局',
  '文昌市"椰乡"食品厂',
];
export const DONORS = [
  '海南椰岛（集团）股份有限公司',
  '海口市某某商会,会员单位',
  '"阳光"爱心基金会',
  '爱心人士王先生',
  '三亚市旅游协会',
  '海南省建筑业协会',
  '匿名',
  '琼海市潭门镇渔民协会',
];
