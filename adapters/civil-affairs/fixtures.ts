/** Files in the civil-affairs format for the shared contract suite and this adapter's tests. */
import iconv from 'iconv-lite';
import { type ContractFixture, idOf, wrongCheckOf } from '../contract-fixture.ts';
export { type ContractFixture, idOf, wrongCheckOf };



/** A valid identity number from its first 17 digits. */
/** The same 17 digits with a check character that is wrong. */

export const gb = (text: string): Buffer => iconv.encode(text, 'gb18030');

export const PAYMENT_HEADER = '救助编号,身份证号,姓名,救助金额(元),审批日期,发放日期,发放凭证号,就医结算号,医疗机构编码,状态';
export const STATUS_HEADER = '户主身份证号,户主姓名,成员身份证号,成员姓名,与户主关系,救助类别,认定日期,终止日期,行政区划,家庭年收入(元)';

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');
const C = idOf('46010220100506124');

/** A payment file: three valid payments and one record of every reason code a payment row can produce. */
export const contractFixture: ContractFixture = {
  name: 'civil-affairs-payments.csv',
  content: gb(
    [
      PAYMENT_HEADER,
      `LS2026-0001,${A},王大明,"1,200.50",2026/2/1,2026/2/10,PZ-LS-0001,H46010200001-2026-000123,H46010200001,已发放`,
      `LS2026-0002,${B},符秀英,800,2026/2/3,,PZ-LS-0002,,,已撤销`,
      `LS2026-0003,${C},王小明,300.5,2026/3/1,2026/3/2,,,,已发放`,
      `LS2026-0004,${wrongCheckOf('46010219800101123')},王大明,100,2026/2/1,2026/2/2,,,,已发放`,
      `LS2026-0005,${A},王大明,12.345,2026/2/1,2026/2/2,,,,已发放`,
      `LS2026-0006,${A},王大明,100,2999/1/1,2026/2/2,,,,已发放`,
      `LS2026-0007,${A},王大明,100,2026/2/1,,,,,已发放`,
      `LS2026-0008,${A},王大明,100,2026/2/1,2026/2/2,,,,待发放`,
      `LS2026-0009,${A},"王大明"x,100,2026/2/1,2026/2/2,,,,已发放`,
    ].join('\r\n') + '\r\n',
  ),
  records: 9,
  quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
  rejected: { name: 'civil-affairs-unknown-header.csv', content: gb('序号,姓名,金额\n1,王大明,100\n'), reason: 'MALFORMED' },
};

/** A status file of the same shape, for the suite's households and statuses. */
export const statusFixture: ContractFixture = {
  name: 'civil-affairs-status.csv',
  content: gb(
    [
      STATUS_HEADER,
      `${A},王大明,${A},王大明,本人,低保,2025/1/5,,460102,"36,000"`,
      `${A},王大明,${B},符秀英,配偶,低保,2025/1/5,2027/12/31,460102,"36,000"`,
      `${A},王大明,${C},王小明,子女,低保,2025/1/5,,460102,"36,000"`,
      `${A},王大明,${wrongCheckOf('46010220100506124')},王小红,子女,低保,2025/1/5,,460102,`,
      `${A},王大明,${C},王小明,表亲,低保,2025/1/6,,460102,`,
      `${A},王大明,${C},王小明,子女,低保,2999/1/5,,460102,`,
      `${A},王大明,${C},王小明,子女,低保,2025/1/7,,,`,
      `${A},王大明,${C},王小明,子女,低保,2025/1/8,,460102,-1`,
      `${A},"王大明,${C},王小明,子女,低保,2025/1/9,,460102,`,
    ].join('\n') + '\n',
  ),
  records: 9,
  quarantined: { INVALID_ID: 1, BAD_VALUE: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_AMOUNT: 1, UNPARSABLE: 1 },
};
