/**
 * The readers' bounds (src/formats/limits.ts), one by one: each hostile input of issue 14 ends in a record
 * the mapper quarantines or a refusal with its code, and each bound holds however large the input, because
 * it is a count or a length checked as the input streams (shown with a small cap and the same input twice
 * as large, or a real size where that is cheap).
 */
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { FileRejectedError, type MapContext } from '../../src/ingest/adapter.ts';
import { bufferInput, isUnparsable, readCsvRecords, readLines } from '../../src/formats/text.ts';
import { jsonDeeperThan, readJsonLines, verifyJsonDocument, verifyJsonLines, walkJson } from '../../src/formats/json.ts';
import { readXlsxRows, XlsxError } from '../../src/formats/xlsx.ts';
import { DEFAULT_LIMITS, parseLimits, withLimits } from '../../src/formats/limits.ts';
import { checkText, nameAsReceived, optionalText, Refusal } from '../../src/ingest/fields.ts';
import { XmlSpans } from '../../src/formats/xml.ts';
import { aidWorkbook, columnName, sharedStrings } from '../support/hostile.ts';
import { createLogger, describeError, safeError, scrubMessage } from '../../src/shared/log.ts';
import { adapterFor } from '../../adapters/index.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function refusal(p: Promise<unknown>): Promise<FileRejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileRejectedError);
  return err as FileRejectedError;
}

const ctx: MapContext = { system: 'test', now: new Date('2026-12-01T00:00:00Z'), today: '2026-12-01' };

describe('line readers', () => {
  it('quarantines a line that is not valid in its encoding with its bytes in base64, never U+FFFD', async () => {
    const bad = Buffer.from([0x81, 0x20, 0x41]); // a GB18030 lead byte without its trail
    const input = bufferInput('a.txt', Buffer.concat([iconv.encode('王大明\n', 'gb18030'), bad, iconv.encode('\n李四', 'gb18030')]), { chunkSize: 2 });
    const recs = await all(readLines(input, 'gb18030'));
    expect(recs.map((r) => r.location)).toEqual([{ file: 'a.txt', line: 1 }, { file: 'a.txt', line: 2, rawEncoding: 'base64' }, { file: 'a.txt', line: 3 }]);
    expect(recs[0]!.value).toBe('王大明');
    expect(isUnparsable(recs[1]!.value)).toBe(true);
    expect(Buffer.from(recs[1]!.raw, 'base64').equals(bad)).toBe(true);
    expect(recs[2]!.value).toBe('李四');
    // The same bytes read as UTF-8: line 1 (GB18030 bytes) is not UTF-8 either.
    const asUtf8 = await all(readLines(bufferInput('b.txt', iconv.encode('王大明', 'gb18030')), 'utf8'));
    expect(asUtf8[0]!.location.rawEncoding).toBe('base64');
    expect(asUtf8.some((r) => r.raw.includes('\ufffd'))).toBe(false);
  });

  it('quarantines a line holding a NUL byte (no database text holds one)', async () => {
    const recs = await all(readLines(bufferInput('n.txt', Buffer.from('a\nb\u0000c\nd')), 'utf8'));
    expect(recs.map((r) => [r.location.line, isUnparsable(r.value) ? 'UNPARSABLE' : r.value])).toEqual([[1, 'a'], [2, 'UNPARSABLE'], [3, 'd']]);
    expect(Buffer.from(recs[1]!.raw, 'base64').toString('utf8')).toBe('b\u0000c');
  });

  it('refuses a line past maxLineBytes the same way however the bytes are chunked (file stream or request body)', async () => {
    await withLimits({ maxLineBytes: 1000 }, async () => {
      const text = `ok\n${'x'.repeat(1001)}\nok`;
      for (const chunkSize of [1, 7, 64 * 1024, 10_000_000]) {
        const e = await refusal(all(readLines(bufferInput('l.txt', text, { chunkSize }), 'utf8')));
        expect(e.reason).toBe('MALFORMED');
        expect(e.message).toMatch(/line 2 is longer than 1000 bytes/);
      }
      // Exactly at the limit (with a CRLF) is a line.
      expect((await all(readLines(bufferInput('l.txt', `${'x'.repeat(1000)}\r\n`, { chunkSize: 3 }), 'utf8')))[0]!.raw).toHaveLength(1000);
    });
  });

  it('CSV: an undecodable header refuses the file; an undecodable row is one quarantined record', async () => {
    const header = '类型,编号';
    const e = await refusal(all(readCsvRecords(bufferInput('c.csv', iconv.encode(`${header}\n捐赠,1`, 'gb18030')), { encoding: 'utf8' })));
    expect(e.reason).toBe('MALFORMED');
    const body = Buffer.concat([Buffer.from(`${header}\n"a\n`), Buffer.from([0xff]), Buffer.from('\n捐赠,2\n')]);
    const recs = await all(readCsvRecords(bufferInput('c.csv', body), { encoding: 'utf8' }));
    // The open quote of line 2 stops at the unreadable line 3, which is a record of its own.
    expect(recs.map((r) => [r.location.line, isUnparsable(r.value) ? 'UNPARSABLE' : r.value])).toEqual([
      [2, 'UNPARSABLE'],
      [3, 'UNPARSABLE'],
      [4, { 类型: '捐赠', 编号: '2' }],
    ]);
    expect(recs[1]!.location.rawEncoding).toBe('base64');
  });
});

describe('JSON readers', () => {
  it('measures nesting outside strings, without parsing', () => {
    expect(jsonDeeperThan('[[[]]]', 3)).toBe(false);
    expect(jsonDeeperThan('[[[[]]]]', 3)).toBe(true);
    expect(jsonDeeperThan('["[[[[[[", {"a":"\\"[[[["}]', 3)).toBe(false);
    expect(jsonDeeperThan('['.repeat(100_000), 64)).toBe(true);
  });

  it('NDJSON: a line nested 100,000 deep is that one line unparsable; the rest is read', async () => {
    const text = ['{"setl_id":"A"}', `{"setl_id":"B","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, '{"setl_id":"C"}'].join('\n');
    const recs = await all(readJsonLines(bufferInput('d.ndjson', text)));
    expect(recs.map((r) => (r.value.parsed ? 'ok' : r.value.error))).toEqual(['ok', `line 2 is nested deeper than ${DEFAULT_LIMITS.maxDepth} levels`, 'ok']);
    // And the mapper quarantines it instead of the pipeline overflowing the stack.
    const out = adapterFor('medical-insurance')!.map(recs[1]!, ctx);
    expect(out).toMatchObject({ ok: false, reason: 'UNPARSABLE' });
  });

  it('NDJSON: a file with no line that is a record of the system is refused; an empty one is not', async () => {
    const verify = (text: string) => verifyJsonLines(bufferInput('f', text), ['setl_id']);
    expect((await refusal(verify('户主身份证号,户主姓名\n460,王\n'))).reason).toBe('MALFORMED');
    expect((await refusal(verify('<MutualAidExport>\n</MutualAidExport>'))).reason).toBe('MALFORMED');
    expect((await refusal(verify('{"caseNo":"JJ-1"}\n'))).reason).toBe('MALFORMED');
    await expect(verify('')).resolves.toBeUndefined();
    await expect(verify('not json\n{"setl_id":"A"}\n')).resolves.toBeUndefined();
  });

  const shape = { root: 'object' as const, arrays: [['records']], required: [['records']] };
  const walk = (text: string | Buffer) => all(walkJson(bufferInput('w.json', text), shape, [['records', '*']]));

  it('documents: a 100,000-deep array is refused, inside a record or outside one', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect((await refusal(walk(`{"records":[${deep}]}`))).message).toMatch(/nested deeper than 64/);
    expect((await refusal(walk(`{"other":${deep},"records":[]}`))).message).toMatch(/nested deeper than 64/);
  });

  it('documents: a string, key or number past maxRecordChars is refused while it streams; a record past it too', async () => {
    await withLimits({ maxRecordChars: 1000 }, async () => {
      // The same refusal for 2,000 characters as for 2,000,000: the count stops at the limit.
      for (const n of [2000, 2_000_000]) {
        expect((await refusal(walk(`{"batch":"${'x'.repeat(n)}","records":[]}`))).message).toMatch(/longer than 1000/);
        expect((await refusal(walk(`{"records":[],"${'k'.repeat(n)}":1}`))).message).toMatch(/longer than 1000/);
      }
      const many = `{"records":[{${Array.from({ length: 200 }, (_, i) => `"k${i}":"vvvv"`).join(',')}}]}`;
      expect((await refusal(walk(many))).message).toMatch(/records\[0\] is longer than 1000/);
      expect(await walk(`{"records":[{"a":"${'x'.repeat(900)}"}]}`)).toHaveLength(1);
    });
  });

  it('documents: bytes that are not UTF-8 refuse the document (never U+FFFD)', async () => {
    const bad = Buffer.concat([Buffer.from('{"records":[{"name":"'), Buffer.from([0xe7, 0x8e]), Buffer.from('"}]}')]);
    expect((await refusal(walk(bad))).reason).toBe('MALFORMED');
  });

  it('documents: one without the arrays its format requires is refused (another system\'s document)', async () => {
    expect((await refusal(verifyJsonDocument(bufferInput('r.json', '{"donations":[],"grants":[]}'), shape))).message).toMatch(/no records/);
    await expect(verifyJsonDocument(bufferInput('r.json', '{"records":[]}'), shape)).resolves.toBeUndefined();
  });
});

describe('XML bounds', () => {
  it('refuses a span between two `<` longer than maxXmlSpanChars, however it is chunked', async () => {
    await withLimits({ maxXmlSpanChars: 100 }, async () => {
      const ok = new XmlSpans();
      for (let i = 0; i < 1000; i++) ok.check(`<a x="${'y'.repeat(40)}">${'t'.repeat(40)}</a>`);
      const long = `<a x="${'y'.repeat(200)}"/>`;
      expect(() => new XmlSpans().check(long)).toThrow(/longer than 100/);
      const chunked = new XmlSpans();
      expect(() => {
        for (const ch of long) chunked.check(ch);
      }).toThrow(/longer than 100/);
    });
  });

  it('union-mutual-aid: a 3 MB attribute, elements nested past maxDepth and a gigantic claim are refused', async () => {
    const adapter = adapterFor('union-mutual-aid')!;
    const verify = (xml: string) => adapter.verify!(bufferInput('m.xml', xml));
    expect((await refusal(verify(`<MutualAidExport><Claim id="${'x'.repeat(3 << 20)}"/></MutualAidExport>`))).reason).toBe('MALFORMED');
    expect((await refusal(verify(`<MutualAidExport>${'<a>'.repeat(100)}${'</a>'.repeat(100)}</MutualAidExport>`))).message).toMatch(/deeper than 64/);
    await withLimits({ maxRecordChars: 10_000 }, async () => {
      expect((await refusal(verify(`<MutualAidExport><Claim id="1">${'<x/>'.repeat(5000)}</Claim></MutualAidExport>`))).message).toMatch(/longer than 10000/);
    });
  });
});

describe('XLSX bounds', () => {
  const rows = (buf: Buffer) => all(readXlsxRows(buf));
  const xlsxError = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(XlsxError);
    return (err as Error).message;
  };

  it('refuses a value named near column 2^32 or past maxXlsxColumns, passes blank far cells over, refuses rows past Excel\'s', async () => {
    expect(columnName(16384)).toBe('XFD');
    expect(await xlsxError(rows(await aidWorkbook(`<row r="4"><c r="${columnName(2 ** 32 - 1)}4"><v>1</v></c></row>`)))).toMatch(/past column 1024/);
    expect(await xlsxError(rows(await aidWorkbook('<row r="4"><c r="XFD4"><v>1</v></c></row>')))).toMatch(/column 16384, past column 1024/);
    const blank = await rows(await aidWorkbook('<row r="4"><c r="XFD4" s="1"/></row>'));
    expect(blank.at(-1)).toEqual({ sheet: '帮扶记录', row: 4, values: [] });
    expect(await xlsxError(rows(await aidWorkbook('<row r="1048577"><c r="A1048577"><v>1</v></c></row>')))).toMatch(/row number 1048577/);
  });

  it('bounds the shared strings: count, total characters, one string', async () => {
    await withLimits({ maxSharedStrings: 100, maxSharedStringsChars: 5000 }, async () => {
      expect(await rows(await aidWorkbook('', { shared: sharedStrings(100) }))).toHaveLength(3);
      expect(await xlsxError(rows(await aidWorkbook('', { shared: sharedStrings(101) })))).toMatch(/more than 100 shared strings/);
      expect(await xlsxError(rows(await aidWorkbook('', { shared: sharedStrings(50, () => 'x'.repeat(101)) })))).toMatch(/more than 5000 characters/);
    });
    await withLimits({ maxCellChars: 100 }, async () => {
      expect(await xlsxError(rows(await aidWorkbook('', { shared: sharedStrings(1, () => 'x'.repeat(101)) })))).toMatch(/longer than 100 characters/);
    });
  });

  it('refuses a zip bomb as it inflates: past the entry size, or past the ratio once past the floor', async () => {
    await withLimits({ maxZipEntryBytes: 100_000 }, async () => {
      expect(await xlsxError(rows(await aidWorkbook(Buffer.from('<row/>'.repeat(20_000)))))).toMatch(/more than 100000 bytes/);
    });
    await withLimits({ zipRatioFloorBytes: 1 << 20 }, async () => {
      expect(await xlsxError(rows(await aidWorkbook(Buffer.from('<row/>'.repeat(400_000)))))).toMatch(/zip bomb/);
    });
    // Whitespace between two tags is one span: refused long before it inflates far.
    await withLimits({ maxXmlSpanChars: 10_000 }, async () => {
      expect(await xlsxError(rows(await aidWorkbook(Buffer.alloc(20_000, 0x20))))).toMatch(/longer than 10000/);
    });
  });

  it('refuses a workbook larger than maxXlsxFileBytes, and parts that are not UTF-8', async () => {
    const wb = await aidWorkbook('');
    await withLimits({ maxXlsxFileBytes: wb.length - 1 }, async () => {
      expect(await xlsxError(rows(wb))).toMatch(/larger than/);
    });
    expect(await xlsxError(rows(await aidWorkbook(Buffer.from([0x3c, 0x72, 0x6f, 0x77, 0x3e, 0xff, 0x3c, 0x2f, 0x72, 0x6f, 0x77, 0x3e]))))).toMatch(/not UTF-8/);
  });
});

describe('field lengths and text a database can hold', () => {
  const code = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof Refusal ? e.reason : String(e);
    }
  };

  it('1,000 characters a field, 100 a name; no NUL, no lone surrogate: else BAD_VALUE', () => {
    expect(code(() => optionalText('x'.repeat(1000), 'f'))).toBe('ok');
    expect(code(() => optionalText('x'.repeat(1001), 'f'))).toBe('BAD_VALUE');
    expect(code(() => nameAsReceived('李'.repeat(100)))).toBe('ok');
    expect(code(() => nameAsReceived('李'.repeat(101)))).toBe('BAD_VALUE');
    expect(code(() => checkText('f', 'a\u0000b', 10))).toBe('BAD_VALUE');
    expect(code(() => checkText('f', 'a\ud800b', 10))).toBe('BAD_VALUE');
    expect(code(() => checkText('f', '𠀀', 10))).toBe('ok');
  });
});

describe('INGEST_LIMITS', () => {
  it('overrides known limits with positive integers and refuses anything else', () => {
    expect(parseLimits(undefined)).toEqual(DEFAULT_LIMITS);
    expect(parseLimits('{"maxLineBytes":10}').maxLineBytes).toBe(10);
    expect(() => parseLimits('{"maxLines":10}')).toThrow(/unknown limit "maxLines"/);
    expect(() => parseLimits('{"maxLineBytes":-1}')).toThrow(/positive integer/);
    expect(() => parseLimits('[')).toThrow(/not JSON/);
    expect(loadConfig({ INGEST_LIMITS: '{"maxDepth":8}' }).ingestLimits).toEqual({ ...DEFAULT_LIMITS, maxDepth: 8 });
    expect(() => loadConfig({ INGEST_LIMITS: '{"maxDepth":0}' })).toThrow(ConfigError);
  });
});

describe('database errors in logs', () => {
  it('carry no query parameters, no quoted values and no detail', () => {
    const cause = Object.assign(new Error('invalid input syntax for type date: "460102198001011234"'), { code: '22007', detail: 'Key (id)=(460102198001011234)', params: ['王大明'] });
    const err = Object.assign(new Error('Failed query: INSERT INTO quarantine VALUES ($1, $2)\nparams: 王大明,460102198001011234'), { params: ['王大明', '460102198001011234'], cause });
    const safe = JSON.stringify(safeError(err));
    expect(safe).not.toMatch(/王大明|460102198001011234/);
    expect(safe).toMatch(/Failed query: INSERT INTO quarantine/);
    expect(safe).toMatch(/22007/);
    expect(describeError(err)).not.toMatch(/王大明|460102198001011234/);
    expect(scrubMessage('relation "x" does not exist')).toBe('relation "x" does not exist');
    // The logger the server and the command line use serialises `err` so.
    const lines: string[] = [];
    createLogger('info', { write: (s: string) => void lines.push(s) }).error({ err }, 'unexpected error in a request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Failed query: INSERT INTO quarantine/);
    expect(lines[0]).not.toMatch(/王大明|460102198001011234|params/);
  });
});

