import type { Kysely } from 'kysely';
import { assignImageRegions, loadDataset } from './data/duo-load';
import { imageDataset } from './data/duo';
import { hashPassword } from '../auth/password';
import type { Actor } from '../audit';
import type { DB } from '../db/types';
import { invitationToken, personalLink } from '../invitations/tokens';
import { scheduleRoundMailings } from '../mailings/waves';
import { openRound } from '../rounds/open';
import { createRound, createStudy } from '../rounds/rounds';

/** The demo's admin account; printed on the console, valid only in the demo's own data folder. */
export const DEMO_ADMIN = { email: 'demo@meetronde.localhost', password: 'meetronde-demo', name: 'Demo-beheerder' } as const;

/** The IMAGE sample calculation's target (population 4,500, margin 5%, 90% confidence). */
export const DEMO_TARGET = 256;

export interface DemoRound {
  adminId: number;
  studyId: number;
  roundId: number;
}

const DEMO_ACTOR: Actor = { system: 'demo' };

/**
 * Fills an empty database the way an admin would: the demo admin, the generated DUO files of the
 * IMAGE round (~1,400 locations) through the real importers, a study with a draft round on the
 * IMAGE 2023 questionnaire, and the IMAGE regions with their situations assigned to it.
 */
export async function prepareDemo(db: Kysely<DB>, now: Date, progress: (line: string) => void = () => {}): Promise<DemoRound> {
  const admin = await db
    .insertInto('users')
    .values({ email: DEMO_ADMIN.email, name: DEMO_ADMIN.name, role: 'admin', password_hash: await hashPassword(DEMO_ADMIN.password) })
    .returning('id')
    .executeTakeFirstOrThrow();

  const dataset = imageDataset();
  const reports = await loadDataset(db, dataset, { now, actor: DEMO_ACTOR });
  for (const report of reports) {
    progress(`DUO-bestand ingelezen: ${report.typeLabel} — ${report.counts.added} toegevoegd, ${report.counts.rejected} afgewezen`);
  }

  const study = await createStudy(
    db,
    { name: 'IMAGE samenwerking (demo)', description: 'Gesimuleerde meting met synthetische scholen.', senderName: 'Onderzoeksteam IMAGE (demo)' },
    now,
    DEMO_ACTOR,
  );
  const round = await createRound(
    db,
    { studyId: study.id, name: 'Meting 2023 (demo)', questionnaireId: 'image-samenwerking-2023', opensAt: now, targetRespondents: DEMO_TARGET },
    now,
    DEMO_ACTOR,
  );
  const assigned = await assignImageRegions(db, round.id, dataset, { now, actor: DEMO_ACTOR });
  progress(`Samenwerkingsverbanden toegewezen: ${assigned.added.length}`);
  return { adminId: admin.id, studyId: study.id, roundId: round.id };
}

/**
 * Opens the demo round: invitations for every school with an address, the invitation wave due
 * now and the reminder policy's waves, in one transaction (as the admin app does).
 */
export async function openDemoRound(db: Kysely<DB>, demo: DemoRound, now: Date, secret: string): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    const opened = await openRound(trx, demo.roundId, now, DEMO_ACTOR, secret);
    await scheduleRoundMailings(trx, demo.roundId, now, demo.adminId);
    return opened.invitationIds;
  });
}

/** The personal link of one invitation (the demo prints one so the newcomer can fill it in). */
export async function demoLink(db: Kysely<DB>, invitationId: number, secret: string, publicUrl: string): Promise<string> {
  const row = await db.selectFrom('invitations').select('token_nonce').where('id', '=', invitationId).executeTakeFirstOrThrow();
  return personalLink(publicUrl, invitationToken(secret, row.token_nonce));
}
