/** Files in the veterans format for the shared contract suite and this adapter's tests. */
import { type ContractFixture, idOf, wrongCheckOf } from '../contract-fixture.ts';
export { type ContractFixture, idOf, wrongCheckOf };



/** UTF-8 with the byte-order mark the veterans system writes. */
export const withBom = (text: string): Buffer => Buffer.from('\ufeff' + text, 'utf8');

export const HEADER = '序号,姓名,公民身份号码,优待证号,帮扶类型,帮扶金额,审批时间,发放时间,凭证号,结算单号';

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');

/** Three valid payments (one without voucher, one not yet paid) and one record of every reason code. */
export const contractFixture: ContractFixture = {
  name: 'veterans-2026q1.csv',
  content: withBom(
    [
      HEADER,
      `1,王大明,${A},YD4601020001,医疗帮扶,"1,234.50",2026年3月5日,2026年3月10日,PZ-TY-0001,H46010200001-2026-000123`,
      `2,符秀英,${B},YD4601020002,临时帮扶,800,2026年3月6日,2026年3月8日,,`,
      `3,符秀英,${B},YD4601020002,临时帮扶,"2,000.00",2026年3月7日,,PZ-TY-0003,`,
      `4,王大明,${wrongCheckOf('46010219800101123')},,医疗帮扶,100,2026年3月5日,2026年3月10日,PZ-TY-0004,`,
      `5,王大明,${A},,医疗帮扶,一百元,2026年3月5日,2026年3月10日,PZ-TY-0005,`,
      `6,王大明,${A},,医疗帮扶,100,2999年3月5日,,PZ-TY-0006,`,
      `7,王大明,${A},,医疗帮扶,100,,2026年3月10日,PZ-TY-0007,`,
      `8,王大明,${A},,医疗帮扶,1,234.50,2026年3月5日,2026年3月10日,PZ-TY-0008,`,
    ].join('\r\n') + '\r\n',
  ),
  records: 8,
  quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, UNPARSABLE: 1 },
  rejected: { name: 'veterans-unknown-header.csv', content: withBom('序号,姓名,身份证号,金额\n1,王大明,x,1\n'), reason: 'MALFORMED' },
};

export const ROSTER_HEADER = '公民身份号码,姓名,优待证号,认定日期,终止日期,县区代码';

/** The roster of veterans in hardship (困难退役军人名册): two statuses (one ended) and one record of every reason a row can give. */
export const rosterFixture: ContractFixture = {
  name: 'veterans-roster-2026.csv',
  content: withBom(
    [
      ROSTER_HEADER,
      `${A},王大明,YD4601020001,2024年5月1日,,460106`,
      `${B},符秀英,YD4601020002,2023年1月1日,2025年12月31日,469005`,
      `${wrongCheckOf('46010219800101123')},王大明,,2024年5月1日,,460106`,
      `${A},王大明,,2999年5月1日,,460106`,
      `${A},王大明,,2024年5月1日,2024年4月1日,460106`,
      `${A},王大明,,,,460106`,
      `${A},王大明,,2024年5月1日,,4601`,
      `${A},王大明,2024年5月1日,,460106`,
    ].join('\r\n') + '\r\n',
  ),
  records: 8,
  quarantined: { INVALID_ID: 1, BAD_DATE: 2, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
};
