/** Streaming output with bounded buffering, in UTF-8 (optionally with BOM) or GB18030. */
import { setZipEntryTimes } from '../src/shared/zip.ts';
import fs from 'node:fs';
import { once } from 'node:events';
import iconv from 'iconv-lite';

const FLUSH_AT = 1 << 17;

export class Sink {
  private parts: string[] = [];
  private size = 0;
  private readonly ws: fs.WriteStream;
  /** Bytes written so far (after encoding): lets a caller cut a file at a chosen byte. */
  bytes = 0;

  constructor(
    file: string,
    private readonly encoding: 'utf8' | 'gb18030' = 'utf8',
    bom = false,
  ) {
    this.ws = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
    if (bom) this.write('\uFEFF');
  }

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }

  /** True when the caller should `await flush()` before writing more. */
  get full(): boolean {
    return this.size >= FLUSH_AT;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    const buf = this.encoding === 'gb18030' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8');
    this.bytes += buf.length;
    if (!this.ws.write(buf)) await once(this.ws, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.ws.end();
    await once(this.ws, 'close');
  }
}

/**
 * Sets every entry's modification time in a ZIP file to one fixed instant. exceljs's streaming writer stamps
 * entries with the current time, which would make two runs of one seed differ.
 */
export function fixZipTimes(file: string): void {
  fs.writeFileSync(file, setZipEntryTimes(fs.readFileSync(file), new Date('2026-10-01T00:00:00+08:00'), file));
}
