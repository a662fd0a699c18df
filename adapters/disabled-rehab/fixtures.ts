/** Files in the disabled-rehab format for the shared contract suite and this adapter's tests. */
import { type ContractFixture, idOf, wrongCheckOf, utf8 } from '../contract-fixture.ts';
export { type ContractFixture, idOf, wrongCheckOf, utf8 };




export const HEADER = '残疾人证号,姓名,残疾类别,残疾等级,救助项目,救助金额(元),救助日期,凭证号,结算单号,县区代码';

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');

/** Three valid payments and one record of every reason code a row can produce. */
export const contractFixture: ContractFixture = {
  name: 'disabled-rehab-2026q1.csv',
  content: utf8(
    [
      HEADER,
      `${A}42,王大明,肢体,二级,肢体康复训练,"1,500.00",2026-03-05,PZ-CL-0001,H46010200001-2026-000123,460102`,
      `${B}21,符秀英,听力残疾,一级,人工耳蜗,30000,2026/3/6,,,469027`,
      `${idOf('46020019751212345').toLowerCase()}74,阿依古丽·买买提,多重,四级,辅具适配,800.5,2026年3月7日,PZ-CL-0003,,`,
      `${wrongCheckOf('46010219800101123')}42,王大明,肢体,二级,肢体康复训练,100,2026-03-05,PZ-CL-0004,,460102`,
      `${A}42,王大明,肢体,二级,肢体康复训练,-100,2026-03-05,PZ-CL-0005,,460102`,
      `${A}42,王大明,肢体,二级,肢体康复训练,100,2999-03-05,PZ-CL-0006,,460102`,
      `${A}42,王大明,肢体,二级,肢体康复训练,,2026-03-05,PZ-CL-0007,,460102`,
      `${A}42,王大明,肢体,五级,肢体康复训练,100,2026-03-05,PZ-CL-0008,,460102`,
      `${A}42,王大明,视力,二级,肢体康复训练,100,2026-03-05,PZ-CL-0009,,460102`,
      `${A}42,王大明,肢体,二级,"肢体康复训练,100,2026-03-05,PZ-CL-0010,,460102`,
    ].join('\n') + '\n',
  ),
  records: 10,
  quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, CERT_MISMATCH: 1, UNPARSABLE: 1 },
  rejected: { name: 'disabled-rehab-unknown-header.csv', content: utf8('证号,姓名,金额\n1,王大明,1\n'), reason: 'MALFORMED' },
};

export const ROSTER_HEADER = '残疾人证号,姓名,残疾类别,残疾等级,发证日期,有效期至,县区代码';

/** The roster of certificate holders (持证残疾人名册): two certificates and one record of every reason a row can give. */
export const rosterFixture: ContractFixture = {
  name: 'disabled-roster-2026.csv',
  content: utf8(
    [
      ROSTER_HEADER,
      `${A}42,王大明,肢体,二级,2022-06-01,2032-05-31,460102`,
      `${B}21,符秀英,听力残疾,一级,2024/3/6,,469027`,
      `${wrongCheckOf('46010219800101123')}42,王大明,肢体,二级,2022-06-01,,460102`,
      `${A}42,王大明,视力,二级,2022-06-01,,460102`,
      `${A}42,王大明,肢体,二级,2999-06-01,,460102`,
      `${A}42,王大明,肢体,二级,,,460102`,
      `${A}42,王大明,肢体,六级,2022-06-01,,460102`,
      `${A}42,王大明,肢体,二级,2022-06-01,,"460102`,
    ].join('\n') + '\n',
  ),
  records: 8,
  quarantined: { INVALID_ID: 1, CERT_MISMATCH: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
};
