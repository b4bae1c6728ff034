import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../server/app';
import { contentSha256 } from '../../server/questionnaires';
import { newInvitationToken } from '../../server/invitations/tokens';
import { loginAs, makeTestApp } from '../helpers/app';
import { describeEachDatabase } from '../helpers/db';
import { readSavWithPspp } from '../helpers/pspp';

/**
 * Golden files: a questionnaire with every question type we support, a handful of fixed
 * responses, and the exact export they must give. Regenerate after a deliberate change with
 * UPDATE_GOLDEN=1 and review the diff.
 */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/exports/${name}`, import.meta.url));
const content = JSON.parse(readFileSync(fixture('all-types.questionnaire.json'), 'utf8')) as Record<string, unknown>;

const responses: Array<{ situation: 'po-ko' | 'po-po'; status: 'completed' | 'started'; data: Record<string, unknown> }> = [
  // Everything answered, "anders" with text, the po-ko-only option and row shown.
  {
    situation: 'po-ko',
    status: 'completed',
    data: {
      toestemming: 'ja',
      enkel: 'other',
      'enkel-Comment': 'Iets anders; met "aanhalingstekens"',
      lijst: 9,
      meer: ['x', 'y', 'other'],
      'meer-Comment': 'Nog iets',
      schaal: { r1: 2, r2: 1 },
      janee: true,
      kort: 'Mozaïek',
    },
  },
  // Not po-ko: option y and row r2 were not asked; the comment is asked because enkel = b.
  { situation: 'po-po', status: 'completed', data: { toestemming: 'ja', enkel: 'b', meer: ['none'], schaal: { r1: 1 }, janee: false, lang: 'Regel één\nregel twee' } },
  // Partial: nothing after the first question answered.
  { situation: 'po-ko', status: 'started', data: { toestemming: 'ja', enkel: 'a' } },
];

describeEachDatabase('export golden files', (getDatabase) => {
  let app: App;
  let roundId: number;
  let headers: { cookie: string };

  beforeAll(async () => {
    const db = getDatabase().db;
    ({ app } = await makeTestApp(getDatabase()));
    await app.ready();
    const version = await db
      .insertInto('questionnaire_versions')
      .values({ questionnaire_key: 'alle-vraagtypen', version: '1', title: 'Alle vraagtypen', content: JSON.stringify(content), sha256: contentSha256(content) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const study = await db.insertInto('studies').values({ name: 'Golden', slug: 'golden' }).returning('id').executeTakeFirstOrThrow();
    roundId = (
      await db
        .insertInto('rounds')
        .values({ study_id: study.id, name: 'Golden 1', questionnaire_version_id: version.id })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const swv = await db.insertInto('swvs').values({ code: 'PO2001', name: 'SWV', sector: 'po' }).returning('id').executeTakeFirstOrThrow();
    const swv2 = await db.insertInto('swvs').values({ code: 'PO2002', name: 'SWV 2', sector: 'po' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('round_swvs').values([
      { round_id: roundId, swv_id: swv.id, situation: 'po-ko', region_letter: 'K' },
      { round_id: roundId, swv_id: swv2.id, situation: 'po-po', region_letter: 'A' },
    ]).execute();
    let n = 0;
    for (const r of responses) {
      n++;
      const school = await db
        .insertInto('schools')
        .values({ location_code: `99ZZ0${n}`, brin: '99ZZ', name: `School ${n}`, kind: 'po' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const token = newInvitationToken('golden-secret'.repeat(4));
      const at = new Date(Date.UTC(2026, 2, 10, 9, n));
      const inv = await db
        .insertInto('invitations')
        .values({
          round_id: roundId,
          school_id: school.id,
          swv_id: r.situation === 'po-ko' ? swv.id : swv2.id,
          token_nonce: token.nonce,
          token_hash: token.hash,
          status: r.status,
          consent_at: at,
          started_at: at,
          completed_at: r.status === 'completed' ? new Date(at.getTime() + 600_000) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db.insertInto('responses').values({ invitation_id: inv.id, data: JSON.stringify(r.data), created_at: at, updated_at: at }).execute();
    }
    headers = { cookie: (await loginAs(db, 'researcher')).headers.cookie };
  });
  afterAll(async () => app?.close());

  const golden = (name: string, actual: string) => {
    if (process.env.UPDATE_GOLDEN) writeFileSync(fixture(name), actual);
    expect(actual).toBe(readFileSync(fixture(name), 'utf8'));
  };

  it('exports every question type exactly as the golden CSV', async () => {
    const res = await app.inject({ url: `/api/exports/rounds/${roundId}/responses?format=csv&include=all`, headers });
    // The school code depends on the secret, which is fixed in tests; the golden file holds it.
    golden('all-types.csv', res.body);
  });

  it('describes every question type exactly as the golden codebook', async () => {
    const res = await app.inject({ url: `/api/exports/rounds/${roundId}/codebook?format=csv`, headers });
    golden('all-types.codebook.csv', res.body);
  });

  it('gives the same values in SPSS as in the golden CSV', async () => {
    const sav = await app.inject({ url: `/api/exports/rounds/${roundId}/responses?format=sav&include=all`, headers });
    const read = readSavWithPspp(sav.rawPayload);
    expect(read.messages).toEqual([]);
    const csv = readFileSync(fixture('all-types.csv'), 'utf8').trim().split('\r\n');
    const names = csv[0]!.split(',');
    expect(read.variables.map((v) => v.name)).toEqual(names);
    expect(read.rows[0]!.enkel_anders).toBe('Iets anders; met "aanhalingstekens"');
    expect(read.rows.map((r) => [r.meer_x, r.meer_y, r.meer_other, r.meer_none])).toEqual([
      ['1', '1', '1', '0'],
      ['0', '-9', '0', '1'],
      // The partial response stopped before this question: asked, not answered.
      ['-8', '-8', '-8', '-8'],
    ]);
    expect(read.rows.map((r) => [r.schaal_r1, r.schaal_r2])).toEqual([
      ['2', '1'],
      ['1', '-9'],
      ['-8', '-8'],
    ]);
    expect(read.rows.map((r) => r.janee)).toEqual(['1', '0', '-8']);
    expect(read.rows[1]!.lang).toBe('Regel één\nregel twee');
  });
});
