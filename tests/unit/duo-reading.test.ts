import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { normaliseLocationCode, normalisePostcode, normaliseSwvCode, specialKind } from '../../server/schools/codes';
import { mapColumns, normaliseHeader } from '../../server/schools/columns';
import { detectSeparator, tokenizeCsv } from '../../server/schools/csv';
import { checkEmail } from '../../server/schools/email';
import { detectImportType } from '../../server/schools/import';
import { decode, readTable, zipUnpackedSize } from '../../server/schools/table';
import {
  contactListCsv,
  contactListXlsx,
  duoFiles,
  encodeWindows1252,
  HEADERS,
  imageDataset,
  organisationsFile,
  poLocationsFile,
  specialLocationsFile,
  swvListFile,
  swvSchoolsFile,
  voLocationsFile,
  aSchool,
} from '../../server/demo/data/duo';

const records = (text: string, separator = ';', maxRecordChars = 1000) => [...tokenizeCsv(text, { separator, maxRecordChars })];

describe('CSV tokenizer', () => {
  it('reads quoted values with doubled quotes and keeps single-space empties for the caller to trim', () => {
    expect(records('A;B;C\r\n1;"Basisschool ""De Maasparel""";3\r\n4; ;6\r\n')).toEqual([
      { line: 1, fields: ['A', 'B', 'C'] },
      { line: 2, fields: ['1', 'Basisschool "De Maasparel"', '3'] },
      { line: 3, fields: ['4', ' ', '6'] },
    ]);
  });

  it('numbers records by the line they start on, across blank lines, LF, CR and quoted line breaks', () => {
    const text = 'A;B\n1;2\n\n3;"x\r\ny"\r\n5;6\r7;8';
    expect(records(text)).toEqual([
      { line: 1, fields: ['A', 'B'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['3', 'x\r\ny'] },
      { line: 6, fields: ['5', '6'] },
      { line: 7, fields: ['7', '8'] },
    ]);
  });

  it('rejects a broken record and goes on with the next line', () => {
    const text = 'A;B\r\n1;"bad"x\r\n2;3\r\n4;"never closed\r\n5;6\r\n';
    expect(records(text)).toEqual([
      { line: 1, fields: ['A', 'B'] },
      { line: 2, problem: 'bad_quote' },
      { line: 3, fields: ['2', '3'] },
      { line: 4, problem: 'unclosed_quote' },
      { line: 5, fields: ['5', '6'] },
    ]);
  });

  it('rejects an oversized line, quoted or not, without losing the lines after it', () => {
    const text = `A;B\r\n1;${'x'.repeat(5000)}\r\n2;"${'y'.repeat(5000)}"\r\n3;4\r\n`;
    expect(records(text, ';', 1000)).toEqual([
      { line: 1, fields: ['A', 'B'] },
      { line: 2, problem: 'too_long' },
      { line: 3, problem: 'too_long' },
      { line: 4, fields: ['3', '4'] },
    ]);
  });

  it('keeps a trailing empty value and reads a last line without a line break', () => {
    expect(records('A;B\r\n1;')).toEqual([
      { line: 1, fields: ['A', 'B'] },
      { line: 2, fields: ['1', ''] },
    ]);
  });

  it('gets through a large text of stray quotes, pairing them as RFC 4180 does', () => {
    // Each opening quote is closed by the next line's, followed by text: a broken record of two lines.
    const text = 'A;B\n' + '1;"open\n'.repeat(20_001);
    const out = records(text, ';', 100_000);
    expect(out).toHaveLength(10_002);
    expect(out[1]).toEqual({ line: 2, problem: 'bad_quote' });
    expect(out[2]).toEqual({ line: 4, problem: 'bad_quote' });
    expect(out.at(-1)).toEqual({ line: 20_002, problem: 'unclosed_quote' });
  });

  it('detects the separator from the header line', () => {
    expect(detectSeparator('A;B;C\n1,2;3')).toBe(';');
    expect(detectSeparator('NR_ADMINISTRATIE,E_MAIL,NAAM\n')).toBe(',');
    expect(detectSeparator('code\te-mail\n')).toBe('\t');
    expect(detectSeparator('"a;b",c,d\n')).toBe(',');
    expect(detectSeparator('single\n')).toBe(';');
  });
});

describe('decoding', () => {
  it('decodes all of Windows-1252, where Node reads ISO-8859-1', () => {
    const bytes = Buffer.from([0x80, 0x8a, 0x91, 0x92, 0x93, 0x96, 0x9f, 0xe2, 0xef]);
    expect(decode(bytes).text).toBe('€Š‘’“–Ÿâï');
    expect(encodeWindows1252('€Š‘’“–Ÿâï')).toEqual(bytes);
    expect(encodeWindows1252('日本')).toEqual(Buffer.from('??'));
  });

  it('reads Windows-1252 when the bytes are not UTF-8', () => {
    const bytes = encodeWindows1252('Dalton Kindcentrum ’t Kompas;Het Mozaïek;De Reinbôge;Fryslân');
    expect(bytes.includes(0x92)).toBe(true);
    expect(decode(bytes)).toEqual({ text: 'Dalton Kindcentrum ’t Kompas;Het Mozaïek;De Reinbôge;Fryslân', encoding: 'windows-1252' });
  });

  it('reads UTF-8 with and without BOM, and UTF-16 with BOM', () => {
    expect(decode(Buffer.from('Mozaïek', 'utf8'))).toEqual({ text: 'Mozaïek', encoding: 'utf-8' });
    expect(decode(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('’t Kompas', 'utf8')]))).toEqual({ text: '’t Kompas', encoding: 'utf-8-bom' });
    expect(decode(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Wrâldwizer', 'utf16le')]))).toEqual({ text: 'Wrâldwizer', encoding: 'utf-16le' });
  });
});

describe('reading a table', () => {
  it('reads every fixture layout with its encoding, separator and exact names', async () => {
    const po = await readTable(poLocationsFile([aSchool({ name: 'Het Mozaïek Dalton Kindcentrum ’t Kompas', phone: null })], { generation: 'old' }));
    expect(po).toMatchObject({ format: 'csv', encoding: 'windows-1252', separator: ';', headerLine: 1 });
    expect(po.header).toEqual([...HEADERS.poOld]);
    const row = po.rows[0]!;
    expect('cells' in row && row.cells[4]).toBe('Het Mozaïek Dalton Kindcentrum ’t Kompas');
    expect('cells' in row && row.cells[12]).toBe(' ');

    const orgs = await readTable(organisationsFile({ schools: [aSchool()], swvs: [] }));
    expect(orgs).toMatchObject({ encoding: 'utf-8-bom', separator: ',' });
    expect(orgs.header[0]).toBe('NR_ADMINISTRATIE');
  });

  it('reads an XLSX contact list, numbering rows as Excel does', async () => {
    const bytes = await contactListXlsx([{ locationCode: '98ZA00', email: 'info@a.example', name: 'Mozaïek' }]);
    const table = await readTable(bytes);
    expect(table).toMatchObject({ format: 'xlsx', encoding: null, header: ['BRIN6', 'Schoolnaam', 'E-mail'] });
    expect(table.rows).toEqual([{ line: 2, cells: ['98ZA00', 'Mozaïek', 'info@a.example'] }]);
  });

  it('shows a formula in an XLSX as the formula, not its result', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('x');
    sheet.addRow(['Vestigingscode', 'E-mail']);
    sheet.addRow(['98ZA00', { formula: 'HYPERLINK("http://evil.example","klik")', result: 'klik' }]);
    const table = await readTable(Buffer.from(await workbook.xlsx.writeBuffer()));
    expect(table.rows[0]).toEqual({ line: 2, cells: ['98ZA00', '=HYPERLINK("http://evil.example","klik")'] });
  });

  it('refuses files that are no table, with a Dutch reason', async () => {
    await expect(readTable(new Uint8Array())).rejects.toThrow('Het bestand is leeg.');
    const garbage = new Uint8Array(4096).map((_, i) => (i * 7919 + 13) % 256);
    await expect(readTable(garbage)).rejects.toThrow('geen tekstbestand');
    await expect(readTable(Buffer.from('%PDF-1.7 ...'))).rejects.toThrow('geen CSV- of Excel-bestand');
    await expect(readTable(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 1, 2, 3]))).rejects.toThrow('.xls');
    await expect(readTable(Buffer.from([0x50, 0x4b, 0x03, 0x04, 9, 9, 9, 9]))).rejects.toThrow('Excel-bestand kan niet worden gelezen');
    await expect(readTable(Buffer.from('A;B\r\n1;2\u0000\u0000\u0000'))).rejects.toThrow('geen tekstbestand');
    await expect(readTable(Buffer.from(`"${'x'.repeat(30_000)}`))).rejects.toThrow('kopregel');
  });

  it('sums the unpacked size of a zip from its central directory', async () => {
    const bytes = await contactListXlsx([{ locationCode: '98ZA00', email: 'info@a.example' }]);
    const size = zipUnpackedSize(bytes);
    expect(size).toBeGreaterThan(bytes.length);
    // A zip whose directory claims 4 GB per entry is refused before it is unpacked.
    const bomb = Buffer.from(bytes);
    for (let i = 0; i < bomb.length - 4; i++) if (bomb.readUInt32LE(i) === 0x02014b50) bomb.writeUInt32LE(0xfffffffe, i + 24);
    await expect(readTable(bomb)).rejects.toThrow('uitgepakt te groot');
  });
});

describe('columns', () => {
  it('matches names on letters and digits only', () => {
    expect(normaliseHeader('HUISNUMMER-TOEVOEGING')).toBe('HUISNUMMERTOEVOEGING');
    expect(normaliseHeader('BRIN.NUMMER')).toBe('BRINNUMMER');
    expect(normaliseHeader(' e_mail ')).toBe('EMAIL');
    expect(normaliseHeader('Soort primair onderwijs')).toBe('SOORTPRIMAIRONDERWIJS');
  });

  it('gives an ambiguous column to the first field that claims it', () => {
    const specs = [
      { key: 'code', aliases: ['ADMINISTRATIENUMMER', 'SAMENWERKINGSVERBAND'], required: true, label: 'code' },
      { key: 'name', aliases: ['NAAMSAMENWERKINGSVERBAND', 'SAMENWERKINGSVERBAND'], required: true, label: 'naam' },
    ];
    expect(mapColumns(['ADMINISTRATIENUMMER', 'SAMENWERKINGSVERBAND', 'ADRES'], specs).index).toEqual({ code: 0, name: 1 });
    expect(mapColumns(['SAMENWERKINGSVERBAND', 'NAAM SAMENWERKINGSVERBAND'], specs).index).toEqual({ code: 0, name: 1 });
    const missing = mapColumns(['X'], specs);
    expect(missing.missing.map((m) => m.key)).toEqual(['code', 'name']);
    expect(missing.ignored).toEqual(['X']);
  });

  it('recognises every DUO file by its header, in both generations', async () => {
    const dataset = imageDataset();
    for (const generation of ['old', 'new'] as const) {
      for (const file of duoFiles(dataset, { generation })) {
        const table = await readTable(file.bytes);
        expect(detectImportType(table.header), file.name).toBe(file.type);
      }
    }
    const detect = async (bytes: Buffer) => detectImportType((await readTable(bytes)).header);
    await expect(detect(poLocationsFile([aSchool()], { generation: 'old' }))).resolves.toBe('po-locations');
    await expect(detect(voLocationsFile([aSchool({ kind: 'vo' })]))).resolves.toBe('vo-locations');
    await expect(detect(specialLocationsFile([aSchool({ kind: 'so' })]))).resolves.toBe('special-locations');
    await expect(detect(swvListFile([], { generation: 'old' }))).resolves.toBe('swvs');
    await expect(detect(swvSchoolsFile({ schools: [], swvs: [] }, { generation: 'old' }))).resolves.toBe('swv-schools');
    await expect(detect(contactListCsv([]))).resolves.toBe('contacts');
    await expect(detect(await contactListXlsx([]))).resolves.toBe('contacts');
    await expect(detect(Buffer.from('Vestigingscode;Vestigingsnaam;Postcode;E-mail\r\n'))).resolves.toBe('contacts');
    await expect(detect(Buffer.from('foo;bar\r\n'))).resolves.toBeNull();
  });
});

describe('codes and addresses', () => {
  it('normalises location codes, postcodes and SWV codes', () => {
    expect(normaliseLocationCode('16ah00', null)).toBe('16AH00');
    expect(normaliseLocationCode('0', '02TE')).toBe('02TE00');
    expect(normaliseLocationCode('01', '02TE')).toBe('02TE01');
    expect(normaliseLocationCode('1', null)).toBeNull();
    expect(normaliseLocationCode('16AH0', '16AH')).toBeNull();
    expect(normalisePostcode('3511zz')).toBe('3511 ZZ');
    expect(normalisePostcode('3511  ZZ')).toBe('3511 ZZ');
    expect(normalisePostcode('0511 ZZ')).toBeNull();
    expect(normalisePostcode('3511 Z')).toBeNull();
    expect(normaliseSwvCode('PO-27-07')).toBe('PO2707');
    expect(normaliseSwvCode('vo 2708')).toBe('VO2708');
    expect(normaliseSwvCode('SW2708')).toBeNull();
    expect(specialKind('(V)SO')).toBe('vso');
    expect(specialKind('SBO')).toBe('sbo');
    expect(specialKind('SO')).toBe('so');
    expect(specialKind('MBO')).toBeNull();
  });

  it('accepts plausible school addresses and says in Dutch what is wrong with the rest', () => {
    expect(checkEmail(' info@Mozaiek.NL ')).toEqual({ ok: true, email: 'info@mozaiek.nl' });
    expect(checkEmail('mailto:directie@school.example')).toEqual({ ok: true, email: 'directie@school.example' });
    expect(checkEmail('o\'brien+test@school-1.example')).toMatchObject({ ok: true });
    for (const bad of ['info@school', 'info@@school.nl', 'info school.nl', '@school.nl', 'info@.nl', 'info@school..nl', 'info@-school.nl', 'info@school.n1']) {
      expect(checkEmail(bad), bad).toEqual({ ok: false, reason: 'ongeldig e-mailadres' });
    }
    expect(checkEmail('a@b.nl; c@d.nl')).toEqual({ ok: false, reason: 'meer dan één e-mailadres in één veld' });
    expect(checkEmail('')).toEqual({ ok: false, reason: 'e-mailadres ontbreekt' });
    expect(checkEmail(`${'a'.repeat(250)}@b.nl`)).toEqual({ ok: false, reason: 'e-mailadres is te lang' });
  });
});
