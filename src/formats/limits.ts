/**
 * Every bound the readers keep on a hostile file, in one place (sources.md "Every file is hostile until
 * read"). Each limit bounds what a reader holds at once, whatever the size of the input: past it, the
 * record is quarantined (`UNPARSABLE`, `BAD_VALUE`) or the file is refused whole (`MALFORMED`), the same on
 * the command line and through the `ingest` mutation (both read through the same readers).
 *
 * The defaults are far above any real export of the twelve formats and far below what would hurt the
 * process. `INGEST_LIMITS` (JSON, e.g. `{"maxSharedStrings":1000}`, read by src/config.ts) overrides some of
 * them; the tests use it to prove each bound with a small input instead of a 200 MB one.
 */

export interface IngestLimits {
  /** Longest physical line of a text format (CSV, NDJSON, pipe-delimited), in bytes: past it MALFORMED. */
  maxLineBytes: number;
  /**
   * A quoted CSV field may hold line breaks, but a quote left open would swallow the rest of the file: past
   * these many lines or characters the record is taken as broken (UNPARSABLE), and reading resumes on the
   * line after it started.
   */
  maxQuotedLines: number;
  maxQuotedChars: number;
  /** Characters of one field, unless its format says otherwise: past it the record is BAD_VALUE. */
  maxFieldChars: number;
  /** Characters of a name: past it the record is BAD_VALUE. */
  maxNameChars: number;
  /**
   * Nesting of a JSON value or of XML elements (an NDJSON line: UNPARSABLE; a JSON or XML document, a pulled
   * page: refused).
   */
  maxDepth: number;
  /**
   * Characters of one record of a document (a JSON record: its strings, keys and numbers, one per structural
   * token; an XML <Claim> as re-serialised), and of any single JSON string, key or number: past it MALFORMED.
   */
  maxRecordChars: number;
  /** Characters between two `<` of an XML document (a tag with its attributes, or a text run): past it MALFORMED. */
  maxXmlSpanChars: number;
  /** Bytes of an XLSX file (held compressed while its parts are inflated as streams). */
  maxXlsxFileBytes: number;
  /** Entries of the zip's central directory. */
  maxZipEntries: number;
  /** Inflated bytes of one zip entry. */
  maxZipEntryBytes: number;
  /** Inflated bytes per compressed byte of one entry, checked once an entry passed `zipRatioFloorBytes`. */
  maxZipRatio: number;
  zipRatioFloorBytes: number;
  /** Shared strings of a workbook, their count and total characters; one string at most `maxCellChars`. */
  maxSharedStrings: number;
  maxSharedStringsChars: number;
  /** Characters of one cell (Excel's own limit is 32,767). */
  maxCellChars: number;
  /** Highest column a cell may name (1-based; Excel's own limit is 16,384 = XFD). Data cells past it: MALFORMED. */
  maxXlsxColumns: number;
  /** Highest row a sheet may name (Excel's own limit). */
  maxXlsxRows: number;
  /** Sheets of a workbook, and cell styles / number formats of its style part. */
  maxXlsxSheets: number;
  maxXlsxStyles: number;
  /** A pulled page: the answer's bytes, and the pages and total time of one pull. */
  maxPageBytes: number;
  maxPages: number;
  /** Milliseconds one request of a pull may take, answer included; and the whole pull. */
  pullRequestTimeoutMs: number;
  pullTotalTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxLineBytes: 1 << 20,
  maxQuotedLines: 100,
  maxQuotedChars: 256 * 1024,
  maxFieldChars: 1000,
  maxNameChars: 100,
  maxDepth: 64,
  maxRecordChars: 1 << 20,
  maxXmlSpanChars: 1 << 20,
  maxXlsxFileBytes: 128 << 20,
  maxZipEntries: 10_000,
  maxZipEntryBytes: 1 << 30,
  maxZipRatio: 250,
  zipRatioFloorBytes: 8 << 20,
  maxSharedStrings: 2_000_000,
  maxSharedStringsChars: 64 << 20,
  maxCellChars: 32_767,
  maxXlsxColumns: 1024,
  maxXlsxRows: 1_048_576,
  maxXlsxSheets: 256,
  maxXlsxStyles: 65_536,
  maxPageBytes: 16 << 20,
  maxPages: 100_000,
  pullRequestTimeoutMs: 30_000,
  pullTotalTimeoutMs: 30 * 60_000,
});

/**
 * Reads the value of `INGEST_LIMITS` (src/config.ts validates it at start-up): a JSON object of positive
 * integers naming known limits. Throws on anything else.
 */
export function parseLimits(text: string | undefined): IngestLimits {
  const out: IngestLimits = { ...DEFAULT_LIMITS };
  if (text === undefined || text.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('must be a JSON object');
  for (const [k, v] of Object.entries(parsed)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, k)) throw new Error(`unknown limit "${k}"; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer`);
    out[k as keyof IngestLimits] = v;
  }
  return out;
}

/** The limits in force: the defaults, until the command line applies `INGEST_LIMITS` (`applyLimits`). */
export const limits: IngestLimits = { ...DEFAULT_LIMITS };

/** Puts limits in force for the process (the command line, from its configuration, before anything is read). */
export function applyLimits(l: IngestLimits): void {
  Object.assign(limits, l);
}

/** Tests: runs `fn` with some limits changed, restoring them after (also when it throws). */
export async function withLimits<T>(changed: Partial<IngestLimits>, fn: () => Promise<T>): Promise<T> {
  const before = { ...limits };
  Object.assign(limits, changed);
  try {
    return await fn();
  } finally {
    Object.assign(limits, before);
  }
}

/**
 * A record whose bytes are not text in its declared encoding (or hold a NUL, which no database text can)
 * is kept as those bytes, base64-encoded, with `rawEncoding: 'base64'` in its location: never as text with
 * U+FFFD in place of what could not be read.
 */
export const RAW_BASE64 = 'base64' as const;
