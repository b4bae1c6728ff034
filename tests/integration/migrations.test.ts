import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, migrationsDir } from '../../server/db/migrator';
import { describeEachDatabase } from '../helpers/db';

/**
 * Every landed migration with the sha256 of its file. Existing databases have these names
 * recorded and ran this exact code, so a landed migration is never edited or renamed: a change is
 * a new migration with the next number after the newest here. When a new migration lands, append
 * its line (`sha256sum migrations/NNNN_name.ts`); the failure message below prints it.
 */
const LANDED: Record<string, string> = {
  '0001_core.ts': 'cd718930807fa6dd7d65258336e90aa3e39d5a131bff3c1f4b691d8b73ccb876',
  '0002_security.ts': '1871634cded746004321587bdbd31f0a221644c40de8b344e7319adbb73ae1c3',
  '0004_round_school_choices.ts': '9102ad42b53a4787cd8c68789ba714a6fa5f58f3494fef7bb061bf2275972832',
  '0006_mail.ts': '0c2018160b22c69244c7a5150f6f8bfc79dc711241a47f4a5167093d49e4ba39',
  '0007_tracking.ts': 'a53436ffd45112eeddf9c561815d0b2488a957cce7b2c653c1a440f1b206290c',
  '0008_exports.ts': '4575c10012168197a22188dedd0c876a43ff6565b275d815c37943fe099af086',
  '0009_target_calculation.ts': '6668813f46cd609e96c9601d4c3cece98b8974177e13504d717a0ba82ee95e57',
  '0010_audit_truncate.ts': '9b599ee65fcab19a7f191544946e57ca5e0bafbc896389177e9d371af0f65b8e',
  '0012_duo_updates.ts': '7b543c659d9166617b367310ccda0c862d8739da148500d5119f5884f9cb2378',
  '0013_round_swv_situation_optional.ts': '0b8be48708873319d1325660fcf52e08ea31a1fab2b44b5d05f5ad310acd1452',
  '0016_inbound_mail.ts': '8bba94663c87d3fcd25196be4d53b7393a8ba232e3d26c0474d5fc25c1e2414d',
  '0017_questionnaire_uploads.ts': 'bf019cdb7b99fab3e9d47fb68ff61f66e6e983eb2b2a5cadf215968a17170804',
  '0018_person_rounds.ts': 'fd93811a599dea6cc622cdf09552cec30ff6b1ad99f735ab9f065de9defed511',
  '0020_respondent_functions.ts': 'b5415bdc232bf7c53fa2bc6097c6e30b165111bc254d44e0d7fdbed64a45088e',
  '0021_person_panels.ts': '33b9e2f9d0c1d847c8afd16cf55c9f80b7bec358b6d3f985f8d4f8ffb2a09003',
  '0022_teacher_links.ts': 'd1ba63bf4453cbc105384a2d30d02ca5eca02acf8572a334b1695f02282f4989',
  '0023_snowball.ts': 'b05aeb8f35882be4c7652bcd4e3572073356b0e7358771fe8f3a8666628de564',
  '0024_professionals.ts': 'c16299dbb4c1e1c9399951fda0a9e46373a510a55a68c011cb54aebf296a9692',
  '0025_person_scale_indexes.ts': '59fecdd9311431000b9fb991afccb39476dfeb4121227a096faf5d749458da08',
  '0026_respondent_consent.ts': 'fb3e39f3019cc56a6f1ff81bfb818e800a78274cf53fbe5226bbb8cdef923f3f',
  '0027_tracking_notify_later.ts': 'fc3f4d43053ecd0ad0face154ad929bd6e8b7895177273802cb5f4403c7a14fd',
};

const files = readdirSync(migrationsDir)
  .filter((f) => f.endsWith('.ts'))
  .sort();

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(path.join(migrationsDir, file))).digest('hex');
}

describe('migration files', () => {
  it('are named NNNN_name.ts with strictly increasing numbers and no number twice', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(file).toMatch(/^\d{4}_[a-z0-9_]+\.ts$/);
    const numbers = files.map((f) => Number(f.slice(0, 4)));
    for (let i = 1; i < numbers.length; i++) expect(numbers[i], `${files[i]} after ${files[i - 1]}`).toBeGreaterThan(numbers[i - 1]!);
  });

  it('keep every landed migration, unchanged, under its name', () => {
    for (const [file, hash] of Object.entries(LANDED)) {
      expect(files, `landed migration ${file} was renamed or removed`).toContain(file);
      expect(sha256(file), `landed migration ${file} was edited: add a new migration instead`).toBe(hash);
    }
  });

  it('lists every migration as landed, and a new one only after the landed ones', () => {
    const newest = Object.keys(LANDED).sort().at(-1)!;
    for (const file of files) {
      if (LANDED[file]) continue;
      expect(file > newest, `${file} sorts before the landed ${newest}: take a number after it`).toBe(true);
      expect.fail(`new migration ${file}: append  '${file}': '${sha256(file)}',  to LANDED in this test`);
    }
  });
});

describeEachDatabase('migrating', (getDatabase) => {
  it('applies nothing when the database is already at the latest migration', async () => {
    expect(await migrateToLatest(getDatabase().db)).toEqual([]);
  });

  it('refuses to apply a migration that sorts before one already applied', async () => {
    const db = getDatabase().db;
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
    const names = applied.rows.map((r) => r.name);
    expect(names).toEqual(files.map((f) => f.replace(/\.ts$/, '')));
    // Pretend the second-newest migration is new: it would run after the newest already ran.
    const skipped = names.at(-2)!;
    await sql`delete from kysely_migration where name = ${skipped}`.execute(db);
    await expect(migrateToLatest(db)).rejects.toThrow(/New migrations must always have a name that comes alphabetically after/);
    const after = await sql<{ name: string }>`select name from kysely_migration where name = ${skipped}`.execute(db);
    expect(after.rows).toEqual([]);
  });
});
