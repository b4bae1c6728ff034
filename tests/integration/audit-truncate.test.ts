import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { audit } from '../../server/audit';
import { describeEachDatabase } from '../helpers/db';

/** The audit log is append-only: row triggers refuse UPDATE and DELETE, a statement trigger TRUNCATE. */
describeEachDatabase('audit log against TRUNCATE', (getDatabase) => {
  it('refuses TRUNCATE, also with CASCADE or RESTART IDENTITY, and keeps every entry', async () => {
    const db = getDatabase().db;
    await audit(db, { system: 'test' }, new Date('2026-03-01T10:00:00Z'), 'test.entry', 'test:1');
    await audit(db, { system: 'test' }, new Date('2026-03-01T10:01:00Z'), 'test.entry', 'test:2');
    const before = await db.selectFrom('audit_log').select('id').execute();
    expect(before.length).toBeGreaterThanOrEqual(2);
    for (const statement of [sql`truncate audit_log`, sql`truncate table audit_log restart identity`, sql`truncate audit_log cascade`]) {
      await expect(statement.execute(db)).rejects.toThrow(/append-only/);
    }
    expect(await db.selectFrom('audit_log').select('id').execute()).toEqual(before);
  });
});
