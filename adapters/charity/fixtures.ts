/** Files in the charity format for the shared contract suite and this adapter's tests. */
import { type ContractFixture, idOf, wrongCheckOf, utf8 } from '../contract-fixture.ts';
export { type ContractFixture, idOf, wrongCheckOf, utf8 };




export const HEADER = '类型,编号,对方名称,身份证号,金额,日期,凭证号,结算单号,项目';

const A = idOf('46010219800101123');
const B = idOf('46010219820304122');

/** Two donations, two grants and one record of every reason code a row can produce. */
export const contractFixture: ContractFixture = {
  name: 'charity-2026q1.csv',
  content: utf8(
    [
      HEADER,
      `捐赠,CS-0001,"海南某某实业有限公司",,"50,000.00",2026-01-15,,,大病救助专项`,
      `捐赠,CS-0002,爱心人士,,200,2026-02-01,,,`,
      `救助,CS-0001,王大明,${A},"3,000",2026-03-05,PZ-CS-0001,H46010200001-2026-000123,大病救助专项`,
      `救助,CS-0003,符秀英,${B},1500.5,2026-03-06,,,`,
      `救助,CS-0004,王大明,${wrongCheckOf('46010219800101123')},100,2026-03-05,,,`,
      `救助,CS-0005,王大明,${A},1e3,2026-03-05,,,`,
      `救助,CS-0006,王大明,${A},100,2999-03-05,,,`,
      `救助,,王大明,${A},100,2026-03-05,,,`,
      `退款,CS-0008,王大明,${A},100,2026-03-05,,,`,
      `救助,CS-0009,"王大明"",${A},100,2026-03-05,,,`,
    ].join('\n') + '\n',
  ),
  records: 10,
  quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
  rejected: { name: 'charity-unknown-header.csv', content: utf8('类型,编号,金额\n捐赠,1,1\n'), reason: 'MALFORMED' },
};
