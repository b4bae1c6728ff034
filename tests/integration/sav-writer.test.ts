import { describe, expect, it } from 'vitest';
import { SavError, utf8Truncate, writeSavToBuffer, type SavValue, type SavVariable } from '../../server/exports/sav-writer';
import { readSavWithPspp } from '../helpers/pspp';

/** Every file is read back by GNU PSPP, the reference reader of the format. */
describe('SPSS .sav writer', () => {
  const variables: SavVariable[] = [
    { type: 'numeric', name: 'respondent', label: 'Respondentnummer', measure: 'nominal' },
    {
      type: 'numeric',
      name: 'Q_mate',
      label: 'Mate van samenwerking met de kinderopvang rondom (hoog)begaafdheid',
      measure: 'nominal',
      valueLabels: [
        [1, 'Mijn school werkt samen rondom (hoog)begaafdheid'],
        [2, 'Mijn school heeft nog geen samenwerking, maar wel plannen'],
        [-9, 'Niet gevraagd'],
        [-8, 'Geen antwoord'],
      ],
      missing: [-9, -8],
    },
    { type: 'numeric', name: 'gemiddelde', measure: 'scale', width: 10, decimals: 2 },
    { type: 'string', name: 'swv_code', label: 'Samenwerkingsverband', width: 6, measure: 'nominal' },
    { type: 'string', name: 'toelichting', label: 'Anders, namelijk', width: 2000, measure: 'nominal' },
    { type: 'datetime', name: 'ingevuld_op', label: 'Ingevuld op' },
  ];

  it('writes values, labels, missing values and measurement levels that PSPP reads back', async () => {
    const longText = 'Mozaïek ’t Kompas — ' + 'ééé '.repeat(200) + 'EINDE';
    const cases: SavValue[][] = [
      [1, 1, 3.25, 'PO2001', longText, new Date('2026-03-05T13:45:10Z')],
      [2, -9, null, 'VO2002', '', null],
      [3, 2, 1234567.5, 'PO2001', 'kort', new Date('2026-07-05T08:00:00Z')],
    ];
    const read = readSavWithPspp(await writeSavToBuffer({ variables, fileLabel: 'IMAGE 2023' }, cases));
    expect(read.messages).toEqual([]);
    expect(read.variables.map((v) => [v.name, v.label, v.measure, v.printFormat])).toEqual([
      ['respondent', 'Respondentnummer', 'Nominal', 'F8.0'],
      ['Q_mate', 'Mate van samenwerking met de kinderopvang rondom (hoog)begaafdheid', 'Nominal', 'F8.0'],
      ['gemiddelde', '', 'Scale', 'F10.2'],
      ['swv_code', 'Samenwerkingsverband', 'Nominal', 'A6'],
      ['toelichting', 'Anders, namelijk', 'Nominal', 'A2000'],
      ['ingevuld_op', 'Ingevuld op', 'Scale', 'DATETIME20.0'],
    ]);
    expect(read.variables[1]!.missing).toBe('-9; -8');
    expect([...read.valueLabels.get('Q_mate')!.entries()]).toEqual([
      ['-9', 'Niet gevraagd'],
      ['-8', 'Geen antwoord'],
      ['1', 'Mijn school werkt samen rondom (hoog)begaafdheid'],
      ['2', 'Mijn school heeft nog geen samenwerking, maar wel plannen'],
    ]);
    expect(read.rows.map((r) => r.Q_mate)).toEqual(['1', '-9', '2']);
    expect(read.rows.map((r) => r.gemiddelde)).toEqual(['3.25', ' ', '1234567.5']);
    expect(read.rows[0]!.toelichting).toBe(longText);
    expect(read.rows[1]!.toelichting).toBe('');
    // Times are shown as Dutch wall-clock time (CET in March, CEST in July).
    expect(read.rows[0]!.ingevuld_op).toBe('03/05/2026 14:45:10');
    expect(read.rows[2]!.ingevuld_op).toBe('07/05/2026 10:00:00');
    expect(read.labelledRows.map((r) => r.Q_mate)).toEqual([
      'Mijn school werkt samen rondom (hoog)begaafdheid',
      'Niet gevraagd',
      'Mijn school heeft nog geen samenwerking, maar wel plannen',
    ]);
  });

  it('keeps every number exact across the compression codes and their edges', async () => {
    const numbers = [0, -99, -100, 151, 152, 0.5, -0.25, 1e300, -1e-300, 2 ** 53, -123456789, 100, null, Number.NaN];
    const read = readSavWithPspp(
      await writeSavToBuffer(
        { variables: [{ type: 'numeric', name: 'x', measure: 'scale', width: 40, decimals: 0 }] },
        numbers.map((n) => [n]),
      ),
    );
    expect(read.messages).toEqual([]);
    expect(read.rows.map((r) => (r.x!.trim() === '' ? null : Number(r.x)))).toEqual(
      numbers.map((n) => (n === null || Number.isNaN(n) ? null : n)),
    );
  });

  it('streams many cases across block boundaries without losing one', async () => {
    const cases = Array.from({ length: 1003 }, (_, i) => [i, i % 7 === 0 ? null : i * 1.5, i % 3 === 0 ? '' : `school ${i}`] as SavValue[]);
    const read = readSavWithPspp(
      await writeSavToBuffer(
        {
          variables: [
            { type: 'numeric', name: 'i', measure: 'scale' },
            { type: 'numeric', name: 'y', measure: 'scale', width: 12, decimals: 1 },
            { type: 'string', name: 's', width: 300, measure: 'nominal' },
          ],
        },
        cases,
      ),
    );
    expect(read.rows).toHaveLength(1003);
    read.rows.forEach((row, i) => {
      expect(Number(row.i)).toBe(i);
      expect(row.y!.trim() === '' ? null : Number(row.y)).toBe(i % 7 === 0 ? null : i * 1.5);
      expect(row.s).toBe(i % 3 === 0 ? '' : `school ${i}`);
    });
  });

  it('cuts over-long labels and values at a character boundary', async () => {
    const label = 'ï'.repeat(200); // 400 bytes
    const read = readSavWithPspp(
      await writeSavToBuffer(
        {
          variables: [
            { type: 'numeric', name: 'a', label, measure: 'nominal', valueLabels: [[1, 'é'.repeat(100)]] },
            { type: 'string', name: 'b', width: 5, measure: 'nominal' },
          ],
        },
        [[1, 'ééé']],
      ),
    );
    expect(read.messages).toEqual([]);
    expect(read.variables[0]!.label).toBe('ï'.repeat(127));
    expect(read.valueLabels.get('a')!.get('1')).toBe('é'.repeat(60));
    expect(read.rows[0]!.b).toBe('éé');
    expect(utf8Truncate('a€', 3).toString()).toBe('a');
  });

  it('refuses names SPSS cannot hold, duplicates and malformed cases with a clear error', async () => {
    const one = (name: string) => writeSavToBuffer({ variables: [{ type: 'numeric', name, measure: 'scale' }] }, []);
    await expect(one('1abc')).rejects.toThrow(SavError);
    await expect(one('met spatie')).rejects.toThrow(/Ongeldige SPSS-variabelenaam/);
    await expect(one('x'.repeat(65))).rejects.toThrow(SavError);
    await expect(one('AND')).rejects.toThrow(SavError);
    await expect(
      writeSavToBuffer(
        {
          variables: [
            { type: 'numeric', name: 'Dubbel', measure: 'scale' },
            { type: 'numeric', name: 'dubbel', measure: 'scale' },
          ],
        },
        [],
      ),
    ).rejects.toThrow(/Dubbele/);
    await expect(writeSavToBuffer({ variables: [{ type: 'string', name: 's', width: 40000, measure: 'nominal' }] }, [])).rejects.toThrow(
      /breedte/,
    );
    await expect(writeSavToBuffer({ variables: [{ type: 'numeric', name: 'n', measure: 'scale' }] }, [[1, 2]])).rejects.toThrow(SavError);
  });

  it('gives distinct short names to long names that share their first eight characters', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `Q_kenmerken_rij_${i + 1}`);
    const read = readSavWithPspp(
      await writeSavToBuffer(
        { variables: names.map((name) => ({ type: 'numeric' as const, name, measure: 'ordinal' as const })) },
        [names.map((_, i) => i)],
      ),
    );
    expect(read.messages).toEqual([]);
    expect(read.variables.map((v) => v.name)).toEqual(names);
    expect(names.map((n) => read.rows[0]![n])).toEqual(names.map((_, i) => String(i)));
  });
});
