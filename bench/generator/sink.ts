/** Streaming output with bounded buffering, in UTF-8 (optionally with BOM) or GB18030. */
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
  const buf = fs.readFileSync(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file}: no ZIP end-of-central-directory record`);
  const time = 0;
  const date = ((2026 - 1980) << 9) | (10 << 5) | 1;
  const entries = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  for (let k = 0; k < entries; k++) {
    if (buf.readUInt32LE(off) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${k}`);
    buf.writeUInt16LE(time, off + 12);
    buf.writeUInt16LE(date, off + 14);
    const local = buf.readUInt32LE(off + 42);
    if (buf.readUInt32LE(local) === 0x04034b50) {
      buf.writeUInt16LE(time, local + 10);
      buf.writeUInt16LE(date, local + 12);
    }
    off += 46 + buf.readUInt16LE(off + 28) + buf.readUInt16LE(off + 30) + buf.readUInt16LE(off + 32);
  }
  fs.writeFileSync(file, buf);
}
