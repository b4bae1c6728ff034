import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DomainError } from '../../server/errors';
import { runImport } from '../../server/imports';
import type { ImportReport, ImportType } from '../../server/schools/import';
import { decodeWindows1252 } from '../../server/schools/windows-1252';
import { describeEachDatabase } from '../helpers/db';
import {
  aSchool,
  anSwv,
  contactListCsv,
  contactListXlsx,
  duoFiles,
  encodeWindows1252,
  imageDataset,
  organisationsFile,
  poLocationsFile,
  specialLocationsFile,
  swvListFile,
  swvSchoolsFile,
  voLocationsFile,
  type DuoDataset,
} from '../../server/demo/data/duo';

const actor = { system: 'test' };
const now = new Date('2026-03-01T08:00:00Z');

function fileImport(db: Parameters<typeof runImport>[0], bytes: Uint8Array, type: ImportType | 'auto', options: { dryRun?: boolean; expectFingerprint?: string } = {}) {
  return runImport(db, { bytes, type, fileName: 'test.csv' }, { dryRun: options.dryRun ?? false, now, actor, expectFingerprint: options.expectFingerprint });
}

async function importAll(db: Parameters<typeof runImport>[0], dataset: DuoDataset, generation: 'old' | 'new' = 'new'): Promise<ImportReport[]> {
  const reports: ImportReport[] = [];
  for (const file of duoFiles(dataset, { generation })) reports.push(await fileImport(db, file.bytes, 'auto'));
  return reports;
}

/** A Windows-1252 DUO file with its lines edited. */
function withLines(bytes: Buffer, edit: (lines: string[]) => string[]): Buffer {
  const lines = decodeWindows1252(bytes).replace(/\r\n$/, '').split('\r\n');
  return encodeWindows1252(edit(lines).join('\r\n') + '\r\n');
}

describeEachDatabase('DUO import: the IMAGE set', (getDatabase) => {
  const db = () => getDatabase().db;
  const dataset = imageDataset({ seed: 7 });

  describe('from empty', () => {
    let first: ImportReport[];

    beforeAll(async () => {
      first = await importAll(db(), dataset);
    });

    it('imports every location, SWV, link and address, each file in one go', async () => {
      const byType = Object.fromEntries(first.map((r) => [r.type, r]));
      const po = dataset.schools.filter((s) => s.kind === 'po').length;
      expect(byType['po-locations']!.counts).toMatchObject({ lines: po, added: po, changed: 0, rejected: 0 });
      expect(byType['po-locations']!.encoding).toBe('windows-1252');
      expect(byType.swvs!.counts).toMatchObject({ added: 21, rejected: 0 });
      expect(byType['swv-schools']!.counts).toMatchObject({ added: dataset.schools.length, rejected: 0 });
      const schools = await db().selectFrom('schools').select(['location_code', 'name', 'kind', 'postcode', 'active']).execute();
      expect(schools).toHaveLength(dataset.schools.length);
      const want = new Map(dataset.schools.map((s) => [s.locationCode, s]));
      for (const s of schools) {
        expect(s.name).toBe(want.get(s.location_code)!.name);
        expect(s.postcode).toBe(want.get(s.location_code)!.postcode);
        expect(s.active).toBe(true);
      }
      // Names survive Windows-1252 and CSV quoting.
      const names = schools.map((s) => s.name);
      expect(names.some((n) => n.includes('’t '))).toBe(true);
      expect(names.some((n) => n.includes('Mozaïek'))).toBe(true);
      expect(names.some((n) => /"/.test(n))).toBe(true);
    });

    it('gives a location its own DUO address, or else its institution’s, and rejects unusable ones', async () => {
      const orgs = first.find((r) => r.type === 'organisations')!;
      const invalid = dataset.schools.filter((s) => s.rawEmail);
      // The institution's row and its main location's row both carry the bad address.
      expect(orgs.counts.rejected).toBe(2 * invalid.length);
      expect(orgs.rejected.every((r) => /ongeldig e-mailadres|meer dan één/.test(r.reason))).toBe(true);
      // Boards, the historical records and SWV rows are not counted as schools.
      expect(orgs.counts.skipped).toBeGreaterThanOrEqual(5);
      const stored = new Map(
        (await db().selectFrom('schools').select(['location_code', 'email', 'email_source']).execute()).map((s) => [s.location_code, s]),
      );
      for (const school of dataset.schools) {
        const main = dataset.schools.find((m) => m.locationCode === `${school.brin}00`)!;
        const expected = school.rawEmail ? null : (school.email ?? (main.rawEmail ? null : main.email));
        expect(stored.get(school.locationCode)!.email, school.locationCode).toBe(expected);
        if (expected) expect(stored.get(school.locationCode)!.email_source).toBe('duo');
      }
      const swvEmails = await db().selectFrom('swvs').select(['code', 'email']).execute();
      expect(swvEmails.every((s) => s.email === `secretariaat@${s.code.toLowerCase()}.example`)).toBe(true);
    });

    it('changes nothing when the same files are imported again', async () => {
      const before = await db().selectFrom('schools').select(['id', 'updated_at']).orderBy('id').execute();
      const auditBefore = await db().selectFrom('audit_log').select('id').execute();
      const again = await importAll(db(), dataset);
      for (const report of again) {
        expect(report.counts, report.type).toMatchObject({ added: 0, changed: 0, deactivated: 0 });
        expect(report.changes).toEqual([]);
      }
      const after = await db().selectFrom('schools').select(['id', 'updated_at']).orderBy('id').execute();
      expect(after).toEqual(before);
      // Each import is audited with counts only: no addresses, no file contents.
      const audits = await db().selectFrom('audit_log').selectAll().where('id', 'not in', auditBefore.map((a) => a.id)).execute();
      expect(audits.map((a) => a.action).sort()).toEqual(again.map((r) => `import.${r.type}`).sort());
      expect(JSON.stringify(audits)).not.toContain('@');
      expect(audits[0]!.details).toMatchObject({ added: 0, changed: 0 });
    });

    it('reads the old header generation to the same data', async () => {
      const again = await importAll(db(), dataset, 'old');
      const po = again.find((r) => r.type === 'po-locations')!;
      expect(po.counts).toMatchObject({ changed: 0, added: 0, deactivated: 0, rejected: 0 });
      const links = again.find((r) => r.type === 'swv-schools')!;
      expect(links.counts).toMatchObject({ added: 0, deactivated: 0, rejected: 0 });
      // The old SWV list has no province or website column: those are left alone, not emptied.
      const swvs = again.find((r) => r.type === 'swvs')!;
      expect(swvs.counts).toMatchObject({ changed: 0, added: 0 });
      const utrecht = await db().selectFrom('swvs').select(['province', 'website']).where('code', '=', 'PO2601').executeTakeFirstOrThrow();
      expect(utrecht.province).toBe('Utrecht');
    });
  });

});

describeEachDatabase('DUO import: changes between releases', (getDatabase) => {
  const db = () => getDatabase().db;

  describe('a small set', () => {
    const set: DuoDataset = {
      swvs: [anSwv({ code: 'PO2401' }), anSwv({ code: 'VO2401' })],
      schools: [
        aSchool({ locationCode: '91AA00', name: 'Basisschool Een', swvCodes: ['PO2401'] }),
        aSchool({ locationCode: '91AB00', name: 'Basisschool Twee', swvCodes: ['PO2401'] }),
        aSchool({ locationCode: '91AC00', name: 'Basisschool Drie', swvCodes: ['PO2401'] }),
        aSchool({ locationCode: '91AD00', name: 'Lyceum Vier', kind: 'vo', swvCodes: ['VO2401'] }),
      ],
    };

    beforeAll(async () => {
      await importAll(db(), set);
    });

    it('shows in a dry run what would change, and changes nothing', async () => {
      const renamed = { ...set.schools[0]!, name: 'Kindcentrum Een', houseNumber: '14-A' };
      const newcomer = aSchool({ locationCode: '91AE00', name: 'Basisschool Vijf' });
      const file = poLocationsFile([renamed, set.schools[2]!, newcomer]);
      const dry = await fileImport(db(), file, 'po-locations', { dryRun: true });
      expect(dry).toMatchObject({ dryRun: true, applied: false });
      expect(dry.counts).toMatchObject({ lines: 3, added: 1, changed: 1, unchanged: 1, deactivated: 1, rejected: 0 });
      expect(dry.changes).toEqual(
        expect.arrayContaining([
          { key: '91AE00', name: 'Basisschool Vijf', action: 'added' },
          { key: '91AA00', name: 'Kindcentrum Een', action: 'changed', fields: ['naam', 'huisnummer'] },
          { key: '91AB00', name: 'Basisschool Twee', action: 'deactivated' },
        ]),
      );
      const names = await db().selectFrom('schools').select('name').where('location_code', 'like', '91%').orderBy('location_code').execute();
      expect(names.map((n) => n.name)).toEqual(['Basisschool Een', 'Basisschool Twee', 'Basisschool Drie', 'Lyceum Vier']);

      const real = await fileImport(db(), file, 'po-locations', { expectFingerprint: dry.fingerprint });
      expect(real).toMatchObject({ applied: true, fingerprint: dry.fingerprint, counts: dry.counts });
    });

    it('marks a location missing from a newer list inactive, keeps it, and revives it when it returns', async () => {
      const twee = await db().selectFrom('schools').select(['id', 'active', 'name']).where('location_code', '=', '91AB00').executeTakeFirstOrThrow();
      expect(twee).toMatchObject({ active: false, name: 'Basisschool Twee' });
      // Other sectors are untouched by a po list.
      const vier = await db().selectFrom('schools').select('active').where('location_code', '=', '91AD00').executeTakeFirstOrThrow();
      expect(vier.active).toBe(true);
      const back = await fileImport(db(), poLocationsFile(set.schools.filter((s) => s.kind === 'po')), 'po-locations');
      expect(back.changes).toContainEqual({ key: '91AB00', name: 'Basisschool Twee', action: 'changed', fields: ['weer actief'] });
      expect(back.counts.deactivated).toBe(1); // Vijf, absent from this list
    });

    it('removes links a newer school → SWV file no longer has, for its sectors only', async () => {
      const moved: DuoDataset = { swvs: set.swvs, schools: set.schools.filter((s) => s.kind === 'po').map((s, i) => ({ ...s, swvCodes: i === 0 ? [] : s.swvCodes })) };
      const report = await fileImport(db(), swvSchoolsFile(moved), 'swv-schools');
      expect(report.counts).toMatchObject({ added: 0, deactivated: 1, unchanged: 2 });
      expect(report.changes).toEqual([{ key: '91AA00 → PO2401', name: 'Basisschool Een', action: 'removed' }]);
      const voLinks = await db()
        .selectFrom('school_swvs')
        .innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id')
        .select('swvs.code')
        .where('swvs.code', '=', 'VO2401')
        .execute();
      expect(voLinks).toHaveLength(1);
    });

    it('keeps an address from a contact list or an admin when DUO publishes another', async () => {
      const contact = await fileImport(db(), contactListCsv([{ locationCode: '91AC00', email: 'ib@drie.example' }]), 'auto');
      expect(contact).toMatchObject({ type: 'contacts', counts: { changed: 1, rejected: 0 } });
      const duo = await fileImport(db(), organisationsFile(set), 'organisations');
      expect(duo.counts.kept).toBe(1);
      const drie = await db().selectFrom('schools').select(['email', 'email_source']).where('location_code', '=', '91AC00').executeTakeFirstOrThrow();
      expect(drie).toEqual({ email: 'ib@drie.example', email_source: 'contact-list' });
    });

    it('reads a contact list from XLSX', async () => {
      const report = await fileImport(db(), await contactListXlsx([{ locationCode: '91ad00', email: 'Info@Vier.EXAMPLE' }]), 'contacts');
      expect(report).toMatchObject({ format: 'xlsx', counts: { changed: 1, rejected: 0 } });
      const vier = await db().selectFrom('schools').select('email').where('location_code', '=', '91AD00').executeTakeFirstOrThrow();
      expect(vier.email).toBe('Info@vier.example');
    });

    it('refuses an import whose dry run is out of date', async () => {
      const po = set.schools.filter((s) => s.kind === 'po');
      const renamed = (name: string) => poLocationsFile(po.map((s) => (s.locationCode === '91AA00' ? { ...s, name } : s)));
      const dry = await fileImport(db(), renamed('Kindcentrum Een-en-al'), 'po-locations', { dryRun: true });
      await fileImport(db(), renamed('Iets anders'), 'po-locations');
      await expect(fileImport(db(), renamed('Kindcentrum Een-en-al'), 'po-locations', { expectFingerprint: dry.fingerprint })).rejects.toMatchObject({
        statusCode: 409,
        code: 'import_changed',
      });
      const een = await db().selectFrom('schools').select('name').where('location_code', '=', '91AA00').executeTakeFirstOrThrow();
      expect(een.name).toBe('Iets anders');
    });
  });

});

describeEachDatabase('DUO import: rejections and failures', (getDatabase) => {
  const db = () => getDatabase().db;

  describe('rejected lines', () => {
    beforeAll(async () => {
      const base: DuoDataset = {
        swvs: [anSwv({ code: 'PO2801' })],
        schools: [aSchool({ locationCode: '92AA00', swvCodes: ['PO2801'] }), aSchool({ locationCode: '92AA01', swvCodes: ['PO2801'] })],
      };
      await importAll(db(), base);
    });

    it('names the line and the reason of every rejected location', async () => {
      const good = aSchool({ locationCode: '93AA00' });
      const file = withLines(
        poLocationsFile([
          good,
          aSchool({ locationCode: '93AB00', brin: '9-AB' }),
          aSchool({ locationCode: '93AC0X', brin: '93AC' }),
          aSchool({ locationCode: '93AD00', brin: '93AE' }),
          aSchool({ locationCode: '93AF00', postcode: '0123 AB' }),
          aSchool({ locationCode: '93AG00', postcode: '' }),
          aSchool({ locationCode: '93AH00', name: '' }),
          { ...good, name: 'Dubbel' },
          aSchool({ locationCode: '93AJ00', name: '=HYPERLINK("http://evil.example";"klik")' }),
          aSchool({ locationCode: '93AK00', name: '@SUM(1+1)*cmd|/C calc' }),
          aSchool({ locationCode: '93AL00', name: '-2+3+cmd|/C calc' }),
          aSchool({ locationCode: '93AM00', street: 'Straat\u0007' }),
          aSchool({ locationCode: '93AN00', name: 'x'.repeat(600) }),
          aSchool({ locationCode: '93AP00', phone: '+31 30 1234567', website: '-' }),
        ]),
        (lines) => [
          ...lines,
          lines[1]!.split(';').slice(0, 29).join(';'),
          `Utrecht;1;93AQ;93AQ00;"Niet afgesloten;${'x'.repeat(100)}`,
          lines[1]!.replace(/93AA/g, '93AR'),
          `Utrecht;1;93AS;93AS00;${'x'.repeat(30_000)}`,
        ],
      );
      const report = await fileImport(db(), file, 'po-locations', { dryRun: true });
      expect(report.rejected).toEqual([
        { line: 3, reason: "ongeldig BRIN-nummer '9-AB'", key: '93AB00' },
        { line: 4, reason: "ongeldige vestigingscode '93AC0X'", key: '93AC0X' },
        { line: 5, reason: 'vestigingscode 93AD00 hoort niet bij BRIN-nummer 93AE', key: '93AD00' },
        { line: 6, reason: "ongeldige postcode '0123 AB'", key: '93AF00' },
        { line: 7, reason: 'postcode ontbreekt', key: '93AG00' },
        { line: 8, reason: 'naam van de vestiging ontbreekt', key: '93AH00' },
        { line: 9, reason: 'vestiging 93AA00 komt al voor op regel 2', key: '93AA00' },
        { line: 10, reason: "kolom VESTIGINGSNAAM: waarde begint met '=' (een formule wordt niet ingelezen)", key: '93AJ00' },
        { line: 11, reason: "kolom VESTIGINGSNAAM: waarde begint met '@' (een formule wordt niet ingelezen)", key: '93AK00' },
        { line: 12, reason: "kolom VESTIGINGSNAAM: waarde begint met '-' (een formule wordt niet ingelezen)", key: '93AL00' },
        { line: 13, reason: 'kolom STRAATNAAM: waarde bevat stuurtekens', key: '93AM00' },
        { line: 14, reason: 'kolom VESTIGINGSNAAM: waarde is te lang', key: '93AN00' },
        { line: 16, reason: 'verwacht 31 kolommen, gevonden 29', key: '93AA00' },
        { line: 17, reason: 'aanhalingsteken wordt niet afgesloten' },
        { line: 19, reason: 'regel is te lang (meer dan 20.000 tekens)' },
      ]);
      expect(report.counts).toMatchObject({ lines: 18, added: 3, rejected: 15 });
      // The two known po schools are not in this list: they would be marked inactive.
      expect(report.changes.filter((c) => c.action === 'deactivated').map((c) => c.key)).toEqual(['92AA00', '92AA01']);
    });

    it('does not deactivate a known location whose line was rejected', async () => {
      const file = poLocationsFile([aSchool({ locationCode: '92AA00', postcode: 'onbekend' }), aSchool({ locationCode: '92AA01' })]);
      const report = await fileImport(db(), file, 'po-locations', { dryRun: true });
      expect(report.rejected).toEqual([{ line: 2, reason: "ongeldige postcode 'onbekend'", key: '92AA00' }]);
      expect(report.changes.filter((c) => c.action === 'deactivated')).toEqual([]);
    });

    it('rejects unknown kinds of special education', async () => {
      const report = await fileImport(db(), withLines(specialLocationsFile([aSchool({ locationCode: '93BA00', kind: 'sbo' })]), (l) => [l[0]!, l[1]!.replace(/^SBO/, 'MBO')]), 'special-locations', { dryRun: true });
      expect(report.rejected).toEqual([{ line: 2, reason: "onbekende soort onderwijs 'MBO'", key: '93BA00' }]);
    });

    it('names bad and duplicate SWV codes', async () => {
      const report = await fileImport(db(), swvListFile([anSwv({ code: 'PO2801' }), anSwv({ code: 'SW2801' }), anSwv({ code: 'PO-28-01' })]), 'swvs', { dryRun: true });
      expect(report.rejected).toEqual([
        { line: 3, reason: "ongeldige SWV-code 'SW2801' (verwacht PO of VO met vier cijfers)", key: 'SW2801' },
        { line: 4, reason: 'samenwerkingsverband PO2801 komt al voor op regel 2', key: 'PO2801' },
      ]);
    });

    it('names unknown SWVs without a name, locations and BRINs in a school → SWV file, and counts the SWVs it will create', async () => {
      const file = swvSchoolsFile({
        swvs: [anSwv({ code: 'PO2801' }), anSwv({ code: 'PO2899', name: 'Passend Onderwijs Nieuwland' })],
        schools: [
          aSchool({ locationCode: '92AA00', swvCodes: ['PO2801', 'PO2899'] }),
          aSchool({ locationCode: '99ZZ00', swvCodes: ['PO2801'] }),
          aSchool({ locationCode: '92AA00', swvCodes: ['PO2801'] }),
        ],
      });
      const report = await fileImport(db(), file, 'swv-schools', { dryRun: true });
      expect(report.rejected).toEqual([
        { line: 4, reason: 'onbekende vestiging 99ZZ00 (importeer eerst de vestigingen)', key: '99ZZ00' },
        { line: 5, reason: 'vestiging 92AA00 staat al bij PO2801 op regel 2', key: '92AA00' },
      ]);
      // The 09 file carries the SWV's code and name: an unknown SWV is created, not refused.
      expect(report.counts.swvsCreated).toBe(1);
      expect(report.changes).toContainEqual({ key: 'PO2899', name: 'Passend Onderwijs Nieuwland', action: 'added', fields: ['nieuw samenwerkingsverband'] });
      expect(report.warnings.map((w) => w.message)).toContain('samenwerkingsverband PO2899 (Passend Onderwijs Nieuwland) is nog onbekend en wordt aangemaakt met de code en naam uit dit bestand');
      const old = await fileImport(db(), Buffer.from('BRIN NUMMER;ADMINISTRATIENUMMER\r\n92AA;PO2801\r\n99ZZ;PO2801\r\n92AA;PO2898\r\n'), 'swv-schools', { dryRun: true });
      expect(old.rejected).toEqual([
        { line: 3, reason: 'onbekend BRIN-nummer 99ZZ (importeer eerst de vestigingen)', key: '99ZZ' },
        { line: 4, reason: 'onbekende SWV-code PO2898 (dit bestand heeft geen kolom met de naam; importeer eerst de lijst van samenwerkingsverbanden)', key: '92AA' },
      ]);
      // Linked per BRIN: both locations of 92AA.
      expect(old.counts).toMatchObject({ unchanged: 2, deactivated: 0 });
    });

    it('names invalid, missing and duplicate addresses and unknown locations in a contact list', async () => {
      const file = Buffer.from(
        'Vestigingscode;E-mailadres\r\n92AA00;info@een.example\r\n92AA01;info@@een.example\r\n92AA01;\r\n99ZZ00;a@b.example\r\n92AA00;ander@een.example\r\nXYZ;a@b.example\r\n92AA01;a@b.nl, c@d.nl\r\n',
      );
      const report = await fileImport(db(), file, 'contacts', { dryRun: true });
      expect(report.rejected).toEqual([
        { line: 3, reason: "ongeldig e-mailadres: 'info@@een.example' (bedoeld is waarschijnlijk info@een.example; verbeter het in de lijst)", key: '92AA01' },
        { line: 4, reason: 'e-mailadres ontbreekt', key: '92AA01' },
        { line: 5, reason: 'onbekende vestiging 99ZZ00 (importeer eerst de vestigingen)', key: '99ZZ00' },
        { line: 6, reason: 'vestiging 92AA00 komt al voor op regel 2', key: '92AA00' },
        { line: 7, reason: "ongeldige vestigingscode 'XYZ' (verwacht BRIN + twee cijfers, bijvoorbeeld 12AB00)", key: 'XYZ' },
        { line: 8, reason: "meer dan één e-mailadres in één veld: 'a@b.nl, c@d.nl'", key: '92AA01' },
      ]);
    });

    it('names invalid and duplicate addresses in ORGANISATIES', async () => {
      const file = Buffer.from(
        'NR_ADMINISTRATIE,CODE_FUNCTIE,E_MAIL,CODE_STAND_RECORD\r\n92AA,U,info@een.example,A\r\n92AA00,D,geen-adres,A\r\n92AA,U,tweede@een.example,A\r\n92AA01,D,oud@@een.example,H\r\n',
      );
      const report = await fileImport(db(), file, 'organisations', { dryRun: true });
      expect(report.rejected).toEqual([
        { line: 3, reason: "ongeldig e-mailadres: 'geen-adres'", key: '92AA00' },
        { line: 4, reason: '92AA komt al voor op regel 2', key: '92AA' },
      ]);
      expect(report.counts).toMatchObject({ skipped: 1, rejected: 2 });
    });
  });

  describe('whole files refused', () => {
    const refused = async (bytes: Uint8Array, type: ImportType | 'auto') => {
      try {
        await fileImport(db(), bytes, type);
      } catch (error) {
        return { status: (error as DomainError).statusCode, message: (error as Error).message };
      }
      throw new Error('import was not refused');
    };

    it('refuses a file of another sector than chosen, so a sector is never deactivated by mistake', async () => {
      const vo = voLocationsFile([aSchool({ locationCode: '94AA00', kind: 'vo' })]);
      expect(await refused(vo, 'po-locations')).toEqual({ status: 400, message: expect.stringContaining('lijkt een bestand met "Vestigingen voortgezet onderwijs (vo)"') });
      expect(await refused(contactListCsv([]), 'po-locations')).toMatchObject({ status: 400 });
    });

    it('names the required columns a file lacks', async () => {
      expect(await refused(Buffer.from('VESTIGINGSCODE;VESTIGINGSNAAM\r\n94AA00;X\r\n'), 'po-locations')).toEqual({
        status: 400,
        message: 'Deze kolommen ontbreken in de kopregel voor "Vestigingen basisonderwijs (po)": POSTCODE.',
      });
      expect(await refused(Buffer.from('SWV;Naam\r\nPO2801;X\r\n'), 'swv-schools')).toMatchObject({
        message: expect.stringContaining('VESTIGINGSCODE of INSTELLINGSCODE'),
      });
      expect(await refused(Buffer.from('wat;is;dit\r\n1;2;3\r\n'), 'auto')).toMatchObject({ message: expect.stringContaining('niet herkend') });
    });

    it('refuses binary garbage and oversized files', async () => {
      const garbage = new Uint8Array(100_000).map((_, i) => (i * 2654435761) >>> 24);
      expect(await refused(garbage, 'auto')).toMatchObject({ status: 400, message: expect.stringContaining('geen tekstbestand') });
      expect(await refused(new Uint8Array(20 * 1024 * 1024 + 1), 'auto')).toMatchObject({ status: 400, message: expect.stringContaining('groter dan 20 MB') });
    });
  });

  describe('one transaction', () => {
    it('leaves nothing behind when the import fails at its last step', async () => {
      const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
      const schools = Array.from({ length: 1200 }, (_, i) =>
        aSchool({ locationCode: `97${letters[Math.floor((i % 676) / 26)]}${letters[i % 26]}${String(Math.floor(i / 676)).padStart(2, '0')}` }),
      );
      // A real failure after every location was written: the database refuses to mark the
      // known po schools (92AA00, 92AA01) inactive, the import's last step.
      await sql`create function refuse_deactivation() returns trigger language plpgsql as $$
        begin raise exception 'refused for the test'; end $$`.execute(db());
      await sql`create trigger refuse_deactivation before update on schools for each row
        when (old.active and not new.active) execute function refuse_deactivation()`.execute(db());
      try {
        const count = async (table: 'schools' | 'audit_log') =>
          (await db().selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
        const schoolsBefore = await count('schools');
        const auditsBefore = await count('audit_log');
        const dry = await fileImport(db(), poLocationsFile(schools), 'po-locations', { dryRun: true });
        expect(dry.counts).toMatchObject({ added: 1200, deactivated: 2 });
        await expect(fileImport(db(), poLocationsFile(schools), 'po-locations')).rejects.toThrow(/refused for the test/);
        expect(await count('schools')).toBe(schoolsBefore);
        expect(await count('audit_log')).toBe(auditsBefore);
        const active = await db().selectFrom('schools').select('active').where('location_code', 'in', ['92AA00', '92AA01']).execute();
        expect(active).toEqual([{ active: true }, { active: true }]);
      } finally {
        await sql`drop trigger refuse_deactivation on schools`.execute(db());
        await sql`drop function refuse_deactivation()`.execute(db());
      }
    });
  });
});
