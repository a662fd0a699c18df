import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { checkCharacter, maskIdNumber, normalizeIdNumber, sexOf, birthDateOf, toHalfWidth } from './id-number.ts';
import { formatYuan, parseFen, parseYuan } from './money.ts';
import { cstDate, fromExcelSerial, parseDate, parseInstant } from './dates.ts';
import { decodeBuffer, decodeStream, normalizeName, normalizeVoucher } from './text.ts';

describe('identity numbers (GB 11643-1999)', () => {
  it('accepts the standard\'s published examples', () => {
    expect(normalizeIdNumber('11010519491231002X')).toEqual({ ok: true, idNumber: '11010519491231002X' });
    expect(normalizeIdNumber('440524188001010014')).toEqual({ ok: true, idNumber: '440524188001010014' });
    expect(checkCharacter('11010519491231002')).toBe('X');
    expect(checkCharacter('44052418800101001')).toBe('4');
  });

  it('normalises spaces, full width and lower-case x', () => {
    expect(normalizeIdNumber(' 1101 0519 4912 3100 2x ')).toEqual({ ok: true, idNumber: '11010519491231002X' });
    expect(normalizeIdNumber('１１０１０５１９４９１２３１００２Ｘ')).toEqual({ ok: true, idNumber: '11010519491231002X' });
    expect(normalizeIdNumber('1101\u30000519491231002x')).toEqual({ ok: true, idNumber: '11010519491231002X' });
  });

  it('upgrades a 15-digit legacy number by inserting 19 and computing the check character', () => {
    // 110105491231002 is the legacy form of the standard's example 11010519491231002X.
    expect(normalizeIdNumber('110105491231002')).toEqual({ ok: true, idNumber: '11010519491231002X' });
  });

  it('refuses a wrong check character, an impossible birth date and other shapes, without guessing', () => {
    expect(normalizeIdNumber('110105194912310021')).toMatchObject({ ok: false, reason: 'CHECK' });
    const feb30 = '46010219800230001';
    expect(normalizeIdNumber(feb30 + checkCharacter(feb30))).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
    expect(normalizeIdNumber('4601021980')).toMatchObject({ ok: false, reason: 'FORMAT' });
    expect(normalizeIdNumber('')).toMatchObject({ ok: false, reason: 'MISSING' });
    expect(normalizeIdNumber(null)).toMatchObject({ ok: false, reason: 'MISSING' });
    const future = '46010220990101001';
    expect(normalizeIdNumber(future + checkCharacter(future), '2026-11-24')).toMatchObject({ ok: false, reason: 'BIRTH_DATE' });
  });

  it('accepts retired address codes (numbers never change)', () => {
    for (const code of ['460001', '469003']) {
      const first = `${code}19700101003`;
      expect(normalizeIdNumber(first + checkCharacter(first)).ok).toBe(true);
    }
  });

  it('reads sex and birth date, and masks', () => {
    expect(sexOf('440524188001010014')).toBe('MALE');
    expect(sexOf('11010519491231002X')).toBe('FEMALE');
    expect(birthDateOf('11010519491231002X')).toBe('1949-12-31');
    expect(maskIdNumber('46010219800101123X')).toBe('460102********123X');
  });

  const validId = fc
    .tuple(
      fc.constantFrom('460102', '460105', '469001', '469030', '110105', '460001'),
      fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }),
      fc.integer({ min: 0, max: 999 }),
    )
    .map(([addr, d, seq]) => {
      const first = `${addr}${d.toISOString().slice(0, 10).replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
      return first + checkCharacter(first);
    });

  it('property: normalising twice changes nothing; every valid number survives spacing and full width', () => {
    fc.assert(
      fc.property(validId, fc.boolean(), fc.boolean(), (id, spaced, wide) => {
        let messy = spaced ? id.replace(/(.{4})/g, '$1 ') : id;
        if (wide) messy = messy.replace(/[0-9X]/g, (c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0));
        const once = normalizeIdNumber(messy.toLowerCase());
        expect(once).toEqual({ ok: true, idNumber: id });
        expect(normalizeIdNumber(id)).toEqual(once);
      }),
    );
  });

  it('property: any single changed digit of the first 17 is caught by the check character', () => {
    fc.assert(
      fc.property(validId, fc.integer({ min: 14, max: 16 }), fc.integer({ min: 1, max: 9 }), (id, pos, delta) => {
        const d = (Number(id[pos]) + delta) % 10;
        const broken = id.slice(0, pos) + d + id.slice(pos + 1);
        expect(normalizeIdNumber(broken).ok).toBe(false);
      }),
    );
  });
});

describe('money', () => {
  it('reads yuan text into fen without floating point', () => {
    expect(parseYuan('1200')).toEqual({ ok: true, fen: 120000n });
    expect(parseYuan('1200.5')).toEqual({ ok: true, fen: 120050n });
    expect(parseYuan('1200.50')).toEqual({ ok: true, fen: 120050n });
    expect(parseYuan('"1,234.50"'.replace(/"/g, ''))).toEqual({ ok: true, fen: 123450n });
    expect(parseYuan('０.０１')).toEqual({ ok: true, fen: 1n });
    expect(parseYuan(1200.5)).toEqual({ ok: true, fen: 120050n });
    expect(parseYuan('0.1')).toEqual({ ok: true, fen: 10n });
  });

  it('refuses more than two decimals, negatives, absurd amounts and text', () => {
    expect(parseYuan('1.005').ok).toBe(false);
    expect(parseYuan(0.1 + 0.2).ok).toBe(false);
    expect(parseYuan('-5').ok).toBe(false);
    expect(parseYuan('-5', { allowNegative: true })).toEqual({ ok: true, fen: -500n });
    expect(parseYuan('1000000000').ok).toBe(false);
    expect(parseYuan('abc').ok).toBe(false);
    expect(parseYuan('').ok).toBe(false);
    expect(parseFen('350000')).toEqual({ ok: true, fen: 350000n });
    expect(parseFen('35.5').ok).toBe(false);
  });

  it('formats fen as a two-decimal yuan string', () => {
    expect(formatYuan(0n)).toBe('0.00');
    expect(formatYuan(5n)).toBe('0.05');
    expect(formatYuan(123450n)).toBe('1234.50');
    expect(formatYuan(-120050n)).toBe('-1200.50');
  });

  it('property: fen → yuan → fen round-trips', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10_000_000_000n }), (fen) => {
        expect(parseYuan(formatYuan(fen))).toEqual({ ok: true, fen });
      }),
    );
  });
});

describe('dates', () => {
  it('reads the sources\' date forms as CST calendar days', () => {
    expect(parseDate('2026-03-05')).toEqual({ ok: true, date: '2026-03-05' });
    expect(parseDate('2026/3/5')).toEqual({ ok: true, date: '2026-03-05' });
    expect(parseDate('2026/03/05')).toEqual({ ok: true, date: '2026-03-05' });
    expect(parseDate('2026年3月5日')).toEqual({ ok: true, date: '2026-03-05' });
    expect(parseDate('20260305')).toEqual({ ok: true, date: '2026-03-05' });
    expect(parseDate(46086)).toEqual({ ok: true, date: '2026-03-05' });
    expect(parseDate(new Date(Date.UTC(2026, 2, 5)))).toEqual({ ok: true, date: '2026-03-05' });
  });

  it('refuses impossible and future dates', () => {
    expect(parseDate('2026-02-30').ok).toBe(false);
    expect(parseDate('2026-13-01').ok).toBe(false);
    expect(parseDate('yesterday').ok).toBe(false);
    expect(parseDate('2099-01-01', { today: '2026-11-24' }).ok).toBe(false);
    expect(parseDate('2026-11-24', { today: '2026-11-24' }).ok).toBe(true);
  });

  it('Excel serials: 1 is 1900-01-01 and 61 is 1900-03-01 (after the phantom leap day)', () => {
    expect(fromExcelSerial(1)).toEqual({ ok: true, date: '1900-01-01' });
    expect(fromExcelSerial(59)).toEqual({ ok: true, date: '1900-02-28' });
    expect(fromExcelSerial(60).ok).toBe(false);
    expect(fromExcelSerial(61)).toEqual({ ok: true, date: '1900-03-01' });
    expect(fromExcelSerial(45658)).toEqual({ ok: true, date: '2025-01-01' });
  });

  it('puts a payment at 23:30 on 31 March CST in March, whatever the offset it was written with', () => {
    const r = parseInstant('2026-03-31T15:30:00Z');
    expect(r.ok && cstDate(r.at)).toBe('2026-03-31');
    const r2 = parseInstant('2026-03-31T23:30:00+08:00');
    expect(r2.ok && cstDate(r2.at)).toBe('2026-03-31');
    const r3 = parseInstant('2026-03-31T16:30:00Z');
    expect(r3.ok && cstDate(r3.at)).toBe('2026-04-01');
    expect(parseInstant('2026-03-31T23:30:00').ok).toBe(false);
  });
});

describe('names, vouchers, decoding', () => {
  it('normalises names for comparison', () => {
    expect(normalizeName('  买买提•艾力\u3000')).toBe('买买提·艾力');
    expect(normalizeName('买买提・艾力')).toBe('买买提·艾力');
    expect(normalizeName('\u3000')).toBeNull();
  });

  it('normalises vouchers', () => {
    expect(normalizeVoucher(' pz-2026 ００１ ')).toBe('PZ2026001');
    expect(normalizeVoucher('')).toBeNull();
  });

  it('decodes GB18030 and drops a BOM', async () => {
    const gb = iconv.encode('户主身份证号,姓名\n', 'gb18030');
    expect(decodeBuffer(gb, 'gb18030')).toBe('户主身份证号,姓名\n');
    expect(decodeBuffer(Buffer.from('\ufeff序号', 'utf8'), 'utf8')).toBe('序号');
    let text = '';
    // Split inside a multi-byte character: the stream decoder must join it.
    for await (const chunk of decodeStream(Readable.from([gb.subarray(0, 3), gb.subarray(3)]), 'gb18030')) text += chunk;
    expect(text).toBe('户主身份证号,姓名\n');
    expect(toHalfWidth('ＡＢ１２')).toBe('AB12');
  });
});
