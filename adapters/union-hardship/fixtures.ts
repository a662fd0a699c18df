/** Files in the union-hardship format for the shared contract suite and this adapter's tests. */
import iconv from 'iconv-lite';
import { type ContractFixture, idOf, wrongCheckOf } from '../contract-fixture.ts';
export { type ContractFixture, idOf, wrongCheckOf };



export const gb = (text: string): Buffer => iconv.encode(text, 'gb18030');

const A = idOf('46010219800101123');

const dataLines = [
  `D|KN2026-0001|${A}|王大明|120050|20260201|20260210|PZ-KN-0001|H46010200001-2026-000123|1`,
  `D|KN2026-0002|460102820304122|符秀英|50000|20260203||PZ-KN-0002||9`,
  `D|KN2026-0003|${idOf('46020019751212345').toLowerCase()}|阿依古丽·买买提|30000|20260301|20260302|||1`,
  `D|KN2026-0004|${wrongCheckOf('46010219800101123')}|王大明|100|20260201|20260202|||1`,
  `D|KN2026-0005|${A}|王大明|-100|20260201|20260202|||1`,
  `D|KN2026-0006|${A}|王大明|100|29990101|20260202|||1`,
  `D|KN2026-0007|${A}|王大明|100|20260201||||1`,
  `D|KN2026-0008|${A}|王大明|100|20260201|20260202|||5`,
  `D|KN2026-0009|${A}|王大明|100|20260201`,
];
/** 120050 + 50000 + 30000 + 100 − 100 + 100 + 100 + 100 + 100 */
const SUM = 200450;

const file = (trailerSum: number) =>
  gb([`H|UNION-HARDSHIP|20260401|${dataLines.length}`, ...dataLines, `T|${dataLines.length}|${trailerSum}`].join('\r\n') + '\r\n');

/** Three valid payments and one record of every reason code a D line can produce; the trailer matches. */
export const contractFixture: ContractFixture = {
  name: 'union-hardship-20260401.txt',
  content: file(SUM),
  records: 9,
  quarantined: { INVALID_ID: 1, BAD_AMOUNT: 1, BAD_DATE: 1, MISSING_FIELD: 1, BAD_VALUE: 1, UNPARSABLE: 1 },
  rejected: { name: 'union-hardship-bad-trailer.txt', content: file(SUM + 1), reason: 'INTEGRITY' },
};
