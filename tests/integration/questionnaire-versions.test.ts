import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app';
import {
  contentSha256,
  getQuestionnaire,
  getVersion,
  QuestionnaireLintError,
  snapshotVersion,
  validateResponse,
  type QuestionnaireContent,
} from '../../server/questionnaires';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { aQuestionnaire } from '../fixtures/questionnaires';

function folderWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'meetronde-questionnaires-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), JSON.stringify(content, null, 2));
  return dir;
}

describeEachDatabase('questionnaire versions', (getDatabase) => {
  let app: App;
  beforeAll(async () => {
    ({ app } = await makeTestApp(getDatabase()));
  });
  afterAll(async () => app.close());

  it('snapshots a questionnaire file once per content, however often a round asks', async () => {
    const { db } = getDatabase();
    const first = await snapshotVersion(db, 'image-samenwerking-2023');
    const again = await Promise.all([snapshotVersion(db, 'image-samenwerking-2023'), snapshotVersion(db, 'image-samenwerking-2023')]);
    expect(again.map((row) => row.id)).toEqual([first.id, first.id]);
    expect(first).toMatchObject({ questionnaire_key: 'image-samenwerking', version: '2023', title: 'Samenwerking rondom (hoog)begaafdheid' });
    expect(first.sha256).toBe(getQuestionnaire('image-samenwerking-2023').sha256);
    const count = await db.selectFrom('questionnaire_versions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });

  it('stores the content so that its hash can be checked and a response validated from the row alone', async () => {
    const { db } = getDatabase();
    const row = await snapshotVersion(db, 'image-samenwerking-2023');
    const stored = await getVersion(db, row.id);
    expect(contentSha256(stored.content)).toBe(stored.sha256);
    const result = validateResponse(stored.content as QuestionnaireContent, {}, { Q_consent: 'nee' }, { mode: 'complete' });
    expect(result).toMatchObject({ ok: true, consent: 'refused' });
  });

  it('adds a new version when the file changes, and leaves the pinned one as it was', async () => {
    const { db } = getDatabase();
    const before = aQuestionnaire({ meta: { key: 'wijzigt', version: '2024' } });
    const dir = folderWith({ 'wijzigt-2024.json': before });
    const pinned = await snapshotVersion(db, 'wijzigt-2024', { dir });
    writeFileSync(path.join(dir, 'wijzigt-2024.json'), JSON.stringify({ ...before, title: 'Nieuwe titel' }));
    const edited = await snapshotVersion(db, 'wijzigt-2024', { dir });
    expect(edited.id).not.toBe(pinned.id);
    expect(edited.title).toBe('Nieuwe titel');
    expect((await getVersion(db, pinned.id)).title).toBe('Testvragenlijst');
    expect((await getVersion(db, pinned.id)).sha256).toBe(pinned.sha256);
  });

  it('refuses to snapshot a questionnaire with lint problems', async () => {
    const { db } = getDatabase();
    const broken = aQuestionnaire({ meta: { key: 'kapot', version: '1' }, extra: { locale: 'en' } });
    const dir = folderWith({ 'kapot-1.json': broken });
    await expect(snapshotVersion(db, 'kapot-1', { dir })).rejects.toBeInstanceOf(QuestionnaireLintError);
    const rows = await db.selectFrom('questionnaire_versions').select('id').where('questionnaire_key', '=', 'kapot').execute();
    expect(rows).toEqual([]);
  });

  it('answers an unknown questionnaire or version with a Dutch 404', async () => {
    const { db } = getDatabase();
    await expect(snapshotVersion(db, 'bestaat-niet-2023')).rejects.toMatchObject({ statusCode: 404, message: 'Deze vragenlijst bestaat niet.' });
    await expect(getVersion(db, 999_999)).rejects.toMatchObject({ statusCode: 404 });
  });


  it('lists the questionnaire files to researchers, and to nobody logged out', async () => {
    expect((await app.inject('/api/questionnaires')).statusCode).toBe(401);
    const { headers } = await loginAs(getDatabase().db, 'researcher');
    const res = await app.inject({ url: '/api/questionnaires', headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'image-samenwerking-2023', key: 'image-samenwerking', version: '2023', problems: 0 }),
        expect.objectContaining({ id: 'eemland-monitor-2025', key: 'eemland-monitor', version: '2025', problems: 0 }),
      ]),
    );
  });

  it('shows one questionnaire for preview, and a Dutch 404 or 400 for ids that are not one', async () => {
    const { headers } = await loginAs(getDatabase().db, 'admin');
    const res = await app.inject({ url: '/api/questionnaires/eemland-monitor-2025', headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'eemland-monitor-2025', meta: { consent: { question: 'toestemming' } }, issues: [] });
    const missing = await app.inject({ url: '/api/questionnaires/image-samenwerking-1999', headers });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ message: 'Deze vragenlijst bestaat niet.' });
    const hostile = await app.inject({ url: '/api/questionnaires/..%2F..%2Fpackage', headers });
    expect(hostile.statusCode).toBe(400);
  });
});

describe('contentSha256', () => {
  it('does not depend on key order, and does depend on every value', () => {
    expect(contentSha256({ a: 1, b: [1, { c: 'x', d: null }] })).toBe(contentSha256({ b: [1, { d: null, c: 'x' }], a: 1 }));
    expect(contentSha256({ a: 1, b: [1, 2] })).not.toBe(contentSha256({ a: 1, b: [2, 1] }));
    expect(contentSha256({ a: 'é' })).not.toBe(contentSha256({ a: 'e' }));
  });
});
