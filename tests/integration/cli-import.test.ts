import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main, parseImportArgs } from '../../server/cli';
import { createTestDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/db';
import { projectRoot } from '../helpers/process';
import { aSchool, anSwv, poLocationsFile, swvSchoolsFile } from '../../server/demo/data/duo';

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', SECRET: 's'.repeat(40), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('npm run cli -- import', () => {
  let dir: string;
  let poFile: string;
  let badFile: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'meetronde-cli-'));
    poFile = path.join(dir, '03-alle-vestigingen-bo.csv');
    writeFileSync(
      poFile,
      poLocationsFile([aSchool({ locationCode: '95CL00', name: 'Het Mozaïek' }), aSchool({ locationCode: '95CL01', postcode: 'fout' })], { generation: 'old' }),
    );
    badFile = path.join(dir, 'garbage.csv');
    writeFileSync(badFile, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads its arguments', () => {
    expect(parseImportArgs(['lijst.csv', '--proef', '--soort', 'vo-locations'])).toEqual({ file: 'lijst.csv', type: 'vo-locations', dryRun: true, allLines: false });
    expect(parseImportArgs(['--soort', 'onzin', 'x.csv'])).toBe('Onbekende soort: onzin');
    expect(parseImportArgs(['a.csv', 'b.csv'])).toBe('Eén bestand tegelijk, niet ook b.csv');
    expect(parseImportArgs([])).toBe('Geef het bestand op dat u wilt inlezen.');
    expect(parseImportArgs(['a.csv', '--zelfde-school', '12ab00, 34CD01', '--nieuwe-school', '56EF00'])).toEqual({
      file: 'a.csv',
      type: 'auto',
      dryRun: false,
      allLines: false,
      reuseDecisions: { '12AB00': 'same', '34CD01': 'same', '56EF00': 'new' },
    });
    expect(parseImportArgs(['a.csv', '--nieuwe-school', 'XYZ'])).toBe("Geef bij --nieuwe-school vestigingscodes op, gescheiden door komma's (bijvoorbeeld 12AB00,34CD01)");
    expect(parseImportArgs(['a.csv', '--zelfde-school', '12AB00', '--nieuwe-school', '12AB00'])).toBe('Vestigingscode 12AB00 staat zowel bij --zelfde-school als bij --nieuwe-school');
  });

  it('refuses bad arguments and files before touching a database, in Dutch', async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void errors.push(parts.join(' ')));
    try {
      expect(await main(['import'])).toBe(2);
      expect(errors.at(-1)).toContain('Geef het bestand op');
      expect(await main(['import', badFile])).toBe(1);
      expect(errors.at(-1)).toContain('geen tekstbestand');
      expect(await main(['import', path.join(dir, 'bestaat-niet.csv')])).toBe(1);
      expect(errors.at(-1)).toContain('kan niet worden gelezen');
      expect(await main(['exporteer'])).toBe(2);
      expect(errors.at(-1)).toContain('Onbekende opdracht: exporteer');
    } finally {
      spy.mockRestore();
    }
  });

  it('replaces a whole school → SWV list on a fresh embedded data folder, creating the SWVs it names', async () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const swvs = [anSwv({ code: 'PO3301' }), anSwv({ code: 'PO3302' })];
    const schools = Array.from({ length: 700 }, (_, i) =>
      aSchool({ locationCode: `94${letters[Math.floor(i / 26) % 26]}${letters[i % 26]}${String(Math.floor(i / 676)).padStart(2, '0')}`, swvCodes: [swvs[i % 2]!.code] }),
    );
    const files = {
      po: path.join(dir, 'po.csv'),
      first: path.join(dir, 'scholen-per-swv-1.csv'),
      moved: path.join(dir, 'scholen-per-swv-2.csv'),
    };
    writeFileSync(files.po, poLocationsFile(schools));
    writeFileSync(files.first, swvSchoolsFile({ schools, swvs }));
    writeFileSync(files.moved, swvSchoolsFile({ schools: schools.map((s, i) => ({ ...s, swvCodes: [swvs[(i + 1) % 2]!.code] })), swvs }));
    const env = { DATA_DIR: path.join(dir, 'fresh') };
    expect((await cli(['import', files.po], env)).code).toBe(0);
    const first = await cli(['import', files.first], env);
    expect(first.err).toBe('');
    expect(first.out).toMatch(/nieuwe samenwerkingsverbanden \(uit dit bestand\): 2\n/);
    expect(first.out).toMatch(/toegevoegd:\s+700\n/);
    const moved = await cli(['import', files.moved], env);
    expect(moved.err).toBe('');
    expect(moved.code).toBe(0);
    expect(moved.out).toMatch(/toegevoegd:\s+700\n/);
    expect(moved.out).toContain('koppelingen verwijderd: 700');
    expect(moved.out).toContain('Ingelezen.');
  }, 120_000);

  describe.skipIf(!testDatabaseUrl)('against PostgreSQL', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase('postgres');
    });
    afterAll(async () => database?.close());

    it('checks, then imports, a DUO file into the database of DATABASE_URL, in Dutch', async () => {
      const env = { DATABASE_URL: database.url!, DATA_DIR: path.join(dir, 'unused') };
      const dry = await cli(['import', poFile, '--proef'], env);
      expect(dry.err).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.out).toContain('Vestigingen basisonderwijs (po) — 03-alle-vestigingen-bo.csv');
      expect(dry.out).toContain('CSV, Windows-1252 (ANSI), scheidingsteken ;');
      expect(dry.out).toMatch(/toegevoegd:\s+1\n/);
      expect(dry.out).toContain("regel 3 (95CL01): ongeldige postcode 'fout'");
      expect(dry.out).toContain('Proef: er is niets veranderd.');
      expect(await database.db.selectFrom('schools').select('id').execute()).toEqual([]);

      const real = await cli(['import', poFile], env);
      expect(real.code).toBe(0);
      expect(real.out).toContain('Ingelezen.');
      const rows = await database.db.selectFrom('schools').select(['location_code', 'name']).execute();
      expect(rows).toEqual([{ location_code: '95CL00', name: 'Het Mozaïek' }]);
      const audit = await database.db.selectFrom('audit_log').select(['action', 'user_label']).executeTakeFirstOrThrow();
      expect(audit).toEqual({ action: 'import.po-locations', user_label: 'system:cli' });
    });
  });
});
