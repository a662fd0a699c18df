/** ZIP details that the libraries writing ZIP-based files (XLSX) leave to the current time. */

/** MS-DOS date and time (local fields) of an instant, read in China Standard Time. */
function dosDateTime(at: Date): { date: number; time: number } {
  const t = new Date(at.getTime() + 8 * 3600_000);
  const date = ((Math.max(1980, t.getUTCFullYear()) - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
  const time = (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | Math.floor(t.getUTCSeconds() / 2);
  return { date, time };
}

/**
 * Sets every entry's modification time in a ZIP (in place) to one instant, so that the same content gives the
 * same bytes: writers stamp entries with the current time.
 */
export function setZipEntryTimes(buf: Buffer, at: Date, label = 'ZIP'): Buffer {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${label}: no ZIP end-of-central-directory record`);
  const { date, time } = dosDateTime(at);
  const entries = buf.readUInt16LE(eocd + 10);
  let off = buf.readUInt32LE(eocd + 16);
  for (let k = 0; k < entries; k++) {
    if (buf.readUInt32LE(off) !== 0x02014b50) throw new Error(`${label}: bad central directory entry ${k}`);
    buf.writeUInt16LE(time, off + 12);
    buf.writeUInt16LE(date, off + 14);
    const local = buf.readUInt32LE(off + 42);
    if (buf.readUInt32LE(local) === 0x04034b50) {
      buf.writeUInt16LE(time, local + 10);
      buf.writeUInt16LE(date, local + 12);
    }
    off += 46 + buf.readUInt16LE(off + 28) + buf.readUInt16LE(off + 30) + buf.readUInt16LE(off + 32);
  }
  return buf;
}
