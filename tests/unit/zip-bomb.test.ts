import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_XLSX_UNPACKED, readTable, zipInflatedSize, zipUnpackedSize } from '../../server/schools/table';
import { contactListXlsx } from '../../server/demo/data/duo';

interface Entry {
  name: string;
  /** Raw deflate data (method 8). */
  deflated: Buffer;
  /** What the zip claims the entry unpacks to. */
  declaredSize: number;
}

/**
 * The fields a local header (from byte 4) and a central directory header (from byte 6, after
 * "version made by") share, in the same order: version needed, method, sizes, name length.
 */
function writeEntryFields(header: Buffer, at: number, e: Entry, nameLength: number): void {
  header.writeUInt16LE(20, at);
  header.writeUInt16LE(8, at + 4); // deflate
  header.writeUInt32LE(e.deflated.length, at + 14);
  header.writeUInt32LE(e.declaredSize, at + 18);
  header.writeUInt16LE(nameLength, at + 22);
}

/** A zip with the sizes we choose to declare (CRCs are left 0: the guard must not need them). */
function craftZip(entries: Entry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    writeEntryFields(local, 4, e, name.length);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    writeEntryFields(central, 6, e, name.length);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.deflated);
    centrals.push(central, name);
    offset += 30 + name.length + e.deflated.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** `megabytes` MB of zeros, deflated as a stream (the test never holds them uncompressed). */
async function deflatedZeros(megabytes: number): Promise<Buffer> {
  const deflater = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflater.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise((resolve) => deflater.on('end', resolve));
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i++) {
    if (!deflater.write(block)) await new Promise((resolve) => deflater.once('drain', resolve));
  }
  deflater.end();
  await done;
  return Buffer.concat(out);
}

describe('XLSX zip-bomb guard', () => {
  it('refuses a small file whose entries claim little but inflate past the limit', async () => {
    const bomb = await deflatedZeros(MAX_XLSX_UNPACKED / (1024 * 1024) + 10);
    const file = craftZip([
      { name: '[Content_Types].xml', deflated: deflateRawSync('<Types/>'), declaredSize: 8 },
      { name: 'xl/worksheets/sheet1.xml', deflated: bomb, declaredSize: 1000 },
    ]);
    expect(file.length).toBeLessThan(2 * 1024 * 1024);
    // The declared sizes say it is tiny…
    expect(zipUnpackedSize(file)).toBe(1008);
    // …what it really unpacks to is counted while inflating, and the upload is refused.
    await expect(readTable(file)).rejects.toThrow('Dit Excel-bestand is uitgepakt te groot.');
  });

  it('stops inflating as soon as the limit is passed', async () => {
    const file = craftZip([{ name: 'a.xml', deflated: await deflatedZeros(20), declaredSize: 10 }]);
    const counted = await zipInflatedSize(file, 1024 * 1024);
    expect(counted).toBeGreaterThan(1024 * 1024);
    expect(counted).toBeLessThan(20 * 1024 * 1024);
  });

  it('counts an honest workbook exactly as declared, and reads it', async () => {
    const bytes = await contactListXlsx([{ locationCode: '98ZA00', email: 'info@a.example' }]);
    expect(await zipInflatedSize(bytes, MAX_XLSX_UNPACKED)).toBe(zipUnpackedSize(bytes));
    const table = await readTable(bytes);
    expect(table.format).toBe('xlsx');
  });

  it('refuses a zip whose entry data is damaged, with the Dutch message', async () => {
    const file = craftZip([{ name: 'xl/workbook.xml', deflated: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]), declaredSize: 100 }]);
    await expect(readTable(file)).rejects.toThrow('Dit Excel-bestand kan niet worden gelezen.');
  });
});
