import { describe, it, expect } from 'vitest';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { FileRejectedError, type ByteInput } from '../ingest/adapter.ts';
import { bufferInput, isUnparsable, readCsvRecords, readLines, type CsvValue } from './text.ts';

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<FileRejectedError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FileRejectedError);
  return err as FileRejectedError;
}

const rows = (recs: { location: { line?: number }; value: CsvValue }[]) =>
  recs.map((r) => ({ line: r.location.line, value: isUnparsable(r.value) ? 'UNPARSABLE' : r.value }));

describe('readLines', () => {
  it('numbers lines from 1, skips blank ones, drops CR and the BOM', async () => {
    const input = bufferInput('a.txt', '\ufeffone\r\n\r\ntwo\n  \nthree');
    const recs = await all(readLines(input, 'utf8'));
    expect(recs).toEqual([
      { location: { file: 'a.txt', line: 1 }, raw: 'one', value: 'one' },
      { location: { file: 'a.txt', line: 3 }, raw: 'two', value: 'two' },
      { location: { file: 'a.txt', line: 5 }, raw: 'three', value: 'three' },
    ]);
  });

  it('keeps blank lines when asked', async () => {
    const recs = await all(readLines(bufferInput('a.txt', 'a\n\nb\n'), 'utf8', { skipBlank: false }));
    expect(recs.map((r) => [r.location.line, r.value])).toEqual([
      [1, 'a'],
      [2, ''],
      [3, 'b'],
    ]);
  });

  it('decodes GB18030 whose characters are cut by chunk boundaries', async () => {
    const text = '户主|王大明\n成员|符·小妹\n𠀀|四字节\n';
    const input = bufferInput('g.txt', iconv.encode(text, 'gb18030'), { chunkSize: 1 });
    expect((await all(readLines(input, 'gb18030'))).map((r) => r.value)).toEqual(['户主|王大明', '成员|符·小妹', '𠀀|四字节']);
  });

  it('decodes UTF-8 cut by chunk boundaries', async () => {
    const input = bufferInput('u.txt', Buffer.from('\ufeff慈善,救助\n第二行', 'utf8'), { chunkSize: 2 });
    expect((await all(readLines(input, 'utf8'))).map((r) => r.value)).toEqual(['慈善,救助', '第二行']);
  });

  it('fails (does not hang) when the file cannot be opened', async () => {
    const missing: ByteInput = { name: 'missing.txt', open: () => createReadStream('/nonexistent/relief-hub.txt') };
    await expect(all(readLines(missing, 'utf8'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a line that never ends as MALFORMED', async () => {
    const big = Buffer.alloc((1 << 20) + 10, 'a');
    const err = await rejection(all(readLines(bufferInput('big.txt', big, { chunkSize: 65536 }), 'utf8')));
    expect(err.reason).toBe('MALFORMED');
  });

  it('closes the source when the consumer stops early', async () => {
    let destroyed = false;
    const input: ByteInput = {
      name: 'x',
      open: () => {
        const r = Readable.from((function* () {
          for (let i = 0; i < 1000; i++) yield Buffer.from(`line ${i}\n`);
        })());
        r.on('close', () => (destroyed = true));
        return r;
      },
    };
    for await (const rec of readLines(input, 'utf8')) if (rec.location.line === 3) break;
    await new Promise((r) => setImmediate(r));
    expect(destroyed).toBe(true);
  });
});

describe('readCsvRecords', () => {
  const opts = { encoding: 'utf8' as const, headers: [['a', 'b(元)', 'c']] };

  it('parses RFC 4180 quoting: delimiters, doubled quotes and line breaks inside fields', async () => {
    const csv = 'a,b（元）, c\n1,"1,234.50","say ""hi"""\n"multi\nline",x,\n';
    const recs = await all(readCsvRecords(bufferInput('q.csv', csv, { chunkSize: 3 }), opts));
    expect(recs).toEqual([
      { location: { file: 'q.csv', line: 2 }, raw: '1,"1,234.50","say ""hi"""', value: { a: '1', 'b(元)': '1,234.50', c: 'say "hi"' } },
      { location: { file: 'q.csv', line: 3 }, raw: '"multi\nline",x,', value: { a: 'multi\nline', 'b(元)': 'x', c: '' } },
    ]);
  });

  it('yields broken rows as Unparsable at their line and goes on reading', async () => {
    const csv = [
      'a,b(元),c',
      '1,2,3', // 2
      '"open,2,3', // 3: quote never closed
      '4,5,6', // 4
      '7,"8"x,9', // 5: text after a closing quote
      '10,11', // 6: too few fields
      '', // 7
      ',,', // 8: an empty row carries nothing
      '12,"13\n13",14', // 9-10
      '15,1 "6",17', // 11: a quote inside an unquoted field is literal
    ].join('\r\n');
    const recs = await all(readCsvRecords(bufferInput('b.csv', csv), opts));
    expect(rows(recs)).toEqual([
      { line: 2, value: { a: '1', 'b(元)': '2', c: '3' } },
      { line: 3, value: 'UNPARSABLE' },
      { line: 4, value: { a: '4', 'b(元)': '5', c: '6' } },
      { line: 5, value: 'UNPARSABLE' },
      { line: 6, value: 'UNPARSABLE' },
      { line: 9, value: { a: '12', 'b(元)': '13\n13', c: '14' } },
      { line: 11, value: { a: '15', 'b(元)': '1 "6"', c: '17' } },
    ]);
    expect(recs[1]!.raw).toBe('"open,2,3');
    expect(recs[1]!.value).toEqual({ $unparsable: 'line 3: a quoted field is never closed' });
  });

  it('recovers from an unclosed quote that a later quote would close', async () => {
    const csv = 'a,b(元),c\n"x,1,2\n3,"4",5\n6,7,8\n';
    const recs = await all(readCsvRecords(bufferInput('r.csv', csv), opts));
    expect(rows(recs)).toEqual([
      { line: 2, value: 'UNPARSABLE' },
      { line: 3, value: { a: '3', 'b(元)': '4', c: '5' } },
      { line: 4, value: { a: '6', 'b(元)': '7', c: '8' } },
    ]);
  });

  it('takes another delimiter', async () => {
    const recs = await all(readCsvRecords(bufferInput('p.txt', 'a|b(元)|c\n1|"2|3"|4\n'), { ...opts, delimiter: '|' }));
    expect(rows(recs)).toEqual([{ line: 2, value: { a: '1', 'b(元)': '2|3', c: '4' } }]);
  });

  it('keeps extra columns', async () => {
    const recs = await all(readCsvRecords(bufferInput('e.csv', 'c,a,b(元),d\n1,2,3,4\n'), opts));
    expect(rows(recs)).toEqual([{ line: 2, value: { c: '1', a: '2', 'b(元)': '3', d: '4' } }]);
  });

  it('refuses an unknown header, a duplicate column, an empty file and a broken header as MALFORMED', async () => {
    for (const csv of ['x,y,z\n1,2,3\n', 'a,a,b(元),c\n', '', '\n\n', '"a,b(元),c\n1,2,3\n']) {
      const err = await rejection(all(readCsvRecords(bufferInput('h.csv', csv), opts)));
      expect(err.reason).toBe('MALFORMED');
    }
  });

  it('reads a million lines in bounded memory', async () => {
    const n = 1_000_000;
    const input: ByteInput = {
      name: 'big.csv',
      open: () =>
        Readable.from(
          (function* () {
            yield Buffer.from('a,b(元),c\n');
            for (let i = 0; i < n; i += 1000) {
              let s = '';
              for (let j = i; j < i + 1000; j++) s += `${j},"1,234.50",名字${j}\n`;
              yield Buffer.from(s);
            }
          })(),
        ),
    };
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let peak = 0;
    let last: CsvValue | undefined;
    for await (const rec of readCsvRecords(input, opts)) {
      count++;
      last = rec.value;
      if (count % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    }
    expect(count).toBe(n);
    expect(last).toEqual({ a: String(n - 1), 'b(元)': '1,234.50', c: `名字${n - 1}` });
    expect(peak).toBeLessThan(200 * 1024 * 1024);
  }, 60_000);
});
