import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { CLASS_GRADES, PERSON_ROLES } from '../../contract/vocabulary';
import { audit, type Actor } from '../audit';
import type { ConsentMode, DB } from '../db/types';
import { badRequest, conflict, DomainError, notFound } from '../errors';
import { saveTemplate } from '../mailings/templates';
import { markCoordinatorOpened, markSiteDecision } from '../invitations/status';
import { pinVersion, setUnitType } from '../rounds/rounds';
import { codeHash, newNonce, pupilCode, tokenId, tokenMatches } from '../invitations/person-links';
import { inviteTeachers, stopInvitedMail } from './invited-mail';
import { COORDINATOR_TEMPLATES } from './templates';
import { checkPreviousRound, contactHash, previousByContact } from './previous';

/** A line of a refused form: which field, what is wrong (Dutch). */
export interface FieldProblem {
  field: string;
  problem: string;
}

export const MAX_CLASSES = 40;
export const MAX_PUPILS_PER_CLASS = 60;
export const MAX_TEACHERS = 80;

// ---------------------------------------------------------------------------------------------
// Admin: making a draft round a person round.

export interface PersonRoundSettings {
  consentMode: ConsentMode;
  roles: string[];
  /** The earlier person round this one follows (panels); undefined keeps what was set. */
  previousRoundId?: number | null;
  /** A questionnaire file id or 'v<version id>' (as GET /api/rounds/options); null clears it. */
  teacherQuestionnaireId?: string | null;
  /** A school round whose responses are the school's answers on pupil rows; null clears it. */
  linkedSchoolRoundId?: number | null;
}

/** Makes a draft round a person round with these settings (rows locked to the caller's commit). */
export async function configurePersonRound(trx: Transaction<DB>, roundId: number, input: PersonRoundSettings, userId: number | null, now: Date, actor: Actor) {
  const roles = [...new Set(input.roles)];
  const unknown = roles.filter((r) => !(PERSON_ROLES as readonly string[]).includes(r));
  if (roles.length === 0 || unknown.length > 0) throw badRequest('invalid_roles', 'Kies ten minste één geldige rol van de respondenten.');
  const round = await trx.selectFrom('rounds').select(['id', 'status']).where('id', '=', roundId).forUpdate().executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  if (round.status !== 'draft') throw conflict('round_not_draft', 'Het soort meting kan alleen worden gekozen zolang de meting nog niet geopend is.');
  if (input.previousRoundId !== undefined && input.previousRoundId !== null) await checkPreviousRound(trx, roundId, input.previousRoundId);
  const extra: PersonRoundColumns = {};
  if (input.previousRoundId !== undefined) extra.previous_round_id = input.previousRoundId;
  if (input.teacherQuestionnaireId !== undefined) {
    extra.teacher_questionnaire_version_id = input.teacherQuestionnaireId === null ? null : await pinVersion(trx, { questionnaireId: input.teacherQuestionnaireId });
  }
  if (input.linkedSchoolRoundId !== undefined) {
    if (input.linkedSchoolRoundId !== null) {
      const linked = await trx.selectFrom('rounds').select(['id', 'unit_type']).where('id', '=', input.linkedSchoolRoundId).executeTakeFirst();
      if (!linked || linked.unit_type !== 'school' || linked.id === roundId)
        throw badRequest('invalid_linked_round', 'Kies als gekoppelde meting een meting per school (niet deze meting zelf).');
    }
    extra.linked_school_round_id = input.linkedSchoolRoundId;
  }
  await writePersonSettings(trx, roundId, { consentMode: input.consentMode, roles }, extra, userId, now);
  await audit(trx, actor, now, 'round.person_settings', `round:${roundId}`, { consentMode: input.consentMode, roles, ...extra });
  return personRoundSettings(trx, roundId);
}

/** The person_rounds columns a caller sets only when asked (undefined keeps what is stored). */
interface PersonRoundColumns {
  previous_round_id?: number | null;
  teacher_questionnaire_version_id?: number | null;
  linked_school_round_id?: number | null;
}

/** Makes the round a person round with these settings, and gives it the coordinator's mail unless it has its own. */
async function writePersonSettings(trx: Kysely<DB>, roundId: number, settings: PersonRoundSettings, extra: PersonRoundColumns, userId: number | null, now: Date): Promise<void> {
  const roles = JSON.stringify(settings.roles);
  await setUnitType(trx, roundId, 'person', now);
  await trx
    .insertInto('person_rounds')
    .values({ round_id: roundId, consent_mode: settings.consentMode, roles, created_at: now, updated_at: now, ...extra })
    .onConflict((oc) => oc.column('round_id').doUpdateSet({ consent_mode: settings.consentMode, roles, updated_at: now, ...extra }))
    .execute();
  for (const kind of ['invitation', 'reminder'] as const) {
    const has = await trx.selectFrom('mail_templates').select('round_id').where('round_id', '=', roundId).where('kind', '=', kind).executeTakeFirst();
    if (!has) await saveTemplate(trx, roundId, kind, COORDINATOR_TEMPLATES[kind], userId, now);
  }
}

/**
 * After copyRound (passed in by server/app.ts as the rounds area's `roundCopied`): the copy of a
 * person round is a person round with the same consent mode and roles, and the coordinator's mail.
 * Nothing about the sites, classes or persons is copied. In the caller's transaction.
 */
export async function copyPersonSettings(trx: Kysely<DB>, fromRoundId: number, toRoundId: number, now: Date, actor: Actor): Promise<void> {
  const source = await trx.selectFrom('person_rounds').select(['consent_mode', 'roles']).where('round_id', '=', fromRoundId).executeTakeFirst();
  if (!source) return;
  await writePersonSettings(trx, toRoundId, { consentMode: source.consent_mode, roles: source.roles }, {}, 'id' in actor ? actor.id : null, now);
}

export async function personRoundSettings(db: Kysely<DB>, roundId: number) {
  const row = await db
    .selectFrom('rounds as r')
    .leftJoin('person_rounds as p', 'p.round_id', 'r.id')
    .leftJoin('questionnaire_versions as qv', 'qv.id', 'p.teacher_questionnaire_version_id')
    .select(['r.id', 'r.unit_type', 'p.consent_mode', 'p.roles', 'p.previous_round_id', 'p.linked_school_round_id', 'qv.id as teacher_version_id', 'qv.title as teacher_title', 'qv.version as teacher_version'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!row) throw notFound('Deze meting bestaat niet.');
  return {
    roundId: row.id,
    unitType: row.unit_type,
    consentMode: row.consent_mode ?? null,
    roles: row.roles ?? [],
    previousRoundId: row.previous_round_id ?? null,
    teacherQuestionnaire: row.teacher_version_id ? { versionId: row.teacher_version_id, title: `${row.teacher_title} (${row.teacher_version})` } : null,
    linkedSchoolRoundId: row.linked_school_round_id ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// The coordinator link.

export interface CoordinatorContext {
  invitationId: number;
  roundId: number;
  siteId: number;
  schoolName: string;
  roundName: string;
  studyName: string;
  closesAt: Date | null;
  consentMode: ConsentMode;
  participation: 'unknown' | 'yes' | 'no';
}

const GONE = () => notFound('Deze link werkt niet (meer). Controleer of u de hele link uit de e-mail heeft gebruikt.');

/**
 * The school location of a coordinator link, or a Dutch 404. The first visit creates the site row
 * and marks the invitation opened (tracking counts it like a school opening its link).
 */
export async function openCoordinator(db: Kysely<DB>, secret: string, token: string, now: Date): Promise<CoordinatorContext> {
  const id = tokenId(token, 'coordinator-link');
  if (id === null) throw GONE();
  const row = await db
    .selectFrom('invitations as i')
    .innerJoin('rounds as r', 'r.id', 'i.round_id')
    .innerJoin('studies as st', 'st.id', 'r.study_id')
    .innerJoin('person_rounds as pr', 'pr.round_id', 'r.id')
    .select(['i.id', 'i.round_id', 'i.token_nonce', 'i.status', 'i.excluded_at', 'i.erased_at', 'i.school_name', 'r.name as round_name', 'r.status as round_status', 'r.closes_at', 'st.name as study_name', 'pr.consent_mode'])
    .where('i.id', '=', id)
    .where('r.unit_type', '=', 'person')
    .executeTakeFirst();
  if (!row || row.excluded_at !== null || row.erased_at !== null || !tokenMatches(secret, 'coordinator-link', token, row.id, row.token_nonce)) throw GONE();
  if (row.round_status !== 'open') throw new DomainError(410, 'round_closed', 'Deze meting is gesloten.');
  let site = await db.selectFrom('person_sites').select(['id', 'participation']).where('invitation_id', '=', row.id).executeTakeFirst();
  if (!site) {
    site = await db
      .insertInto('person_sites')
      .values({ round_id: row.round_id, invitation_id: row.id, created_at: now })
      .onConflict((oc) => oc.column('invitation_id').doNothing())
      .returning(['id', 'participation'])
      .executeTakeFirst();
    site ??= await db.selectFrom('person_sites').select(['id', 'participation']).where('invitation_id', '=', row.id).executeTakeFirstOrThrow();
  }
  if (row.status === 'pending' || row.status === 'invited') {
    await markCoordinatorOpened(db, row.id, now);
  }
  return {
    invitationId: row.id,
    roundId: row.round_id,
    siteId: site.id,
    schoolName: row.school_name ?? '',
    roundName: row.round_name,
    studyName: row.study_name,
    closesAt: row.closes_at,
    consentMode: row.consent_mode,
    participation: site.participation,
  };
}

export interface ClassInput {
  label: string;
  grade: string;
  pupils: number;
}
export interface TeacherInput {
  email: string;
  classes: string[];
}
export interface RegistrationInput {
  participates: boolean;
  classes: ClassInput[];
  teachers: TeacherInput[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Every problem of a registration at once (Dutch), before anything is stored. */
export function registrationProblems(input: RegistrationInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!input.participates) return problems;
  if (input.classes.length === 0) problems.push({ field: 'classes', problem: 'Voeg ten minste één klas toe die meedoet.' });
  if (input.classes.length > MAX_CLASSES) problems.push({ field: 'classes', problem: `Per school kunnen ten hoogste ${MAX_CLASSES} klassen meedoen.` });
  const labels = new Set<string>();
  input.classes.forEach((c, i) => {
    const n = i + 1;
    const label = c.label.trim();
    if (label === '') problems.push({ field: `classes.${i}.label`, problem: `Klas ${n}: vul de naam van de klas in (bijvoorbeeld 6A).` });
    else if (label.length > 40) problems.push({ field: `classes.${i}.label`, problem: `Klas ${n}: de naam is te lang (ten hoogste 40 tekens).` });
    else if (labels.has(label.toLowerCase())) problems.push({ field: `classes.${i}.label`, problem: `Klas ${n}: de naam ${label} staat er al; geef elke klas een eigen naam.` });
    labels.add(label.toLowerCase());
    if (!(CLASS_GRADES as readonly string[]).includes(c.grade)) problems.push({ field: `classes.${i}.grade`, problem: `Klas ${n}: kies de groep of het leerjaar.` });
    if (!Number.isInteger(c.pupils) || c.pupils < 1 || c.pupils > MAX_PUPILS_PER_CLASS)
      problems.push({ field: `classes.${i}.pupils`, problem: `Klas ${n}: het aantal leerlingen moet een heel getal zijn van 1 tot en met ${MAX_PUPILS_PER_CLASS}.` });
  });
  if (input.teachers.length > MAX_TEACHERS) problems.push({ field: 'teachers', problem: `Ten hoogste ${MAX_TEACHERS} leerkrachten.` });
  const emails = new Set<string>();
  input.teachers.forEach((t, i) => {
    const n = i + 1;
    const email = t.email.trim().toLowerCase();
    if (!EMAIL.test(email) || email.length > 254) problems.push({ field: `teachers.${i}.email`, problem: `Leerkracht ${n}: dit is geen geldig e-mailadres.` });
    else if (emails.has(email)) problems.push({ field: `teachers.${i}.email`, problem: `Leerkracht ${n}: dit e-mailadres staat er al.` });
    emails.add(email);
    if (t.classes.length === 0) problems.push({ field: `teachers.${i}.classes`, problem: `Leerkracht ${n}: kies ten minste één klas.` });
    for (const label of t.classes) {
      if (!labels.has(label.trim().toLowerCase())) problems.push({ field: `teachers.${i}.classes`, problem: `Leerkracht ${n}: de klas ${label} staat niet in de lijst met klassen.` });
    }
  });
  return problems;
}

/**
 * Stores a coordinator's registration in the caller's transaction (which holds the site's lock
 * to the commit): participation, classes (with one code per pupil, generated for new places),
 * teachers and their classes. Refuses (400, every problem listed in Dutch) before changing
 * anything. A class whose pupils have started or whose parents
 * responded cannot be removed or made smaller.
 */
export async function register(trx: Transaction<DB>, secret: string, ctx: CoordinatorContext, input: RegistrationInput, now: Date, mailFrom?: string): Promise<void> {
  const problems = registrationProblems(input);
  if (problems.length > 0) throw badRequest('invalid_registration', 'De aanmelding is niet opgeslagen. Verbeter de punten hieronder.', problems);
  await trx.selectFrom('person_sites').select('id').where('id', '=', ctx.siteId).forUpdate().executeTakeFirstOrThrow();
  const existing = await trx.selectFrom('person_classes').selectAll().where('site_id', '=', ctx.siteId).execute();
  const wanted = input.participates ? input.classes.map((c) => ({ ...c, label: c.label.trim() })) : [];
  const byLabel = new Map(existing.map((c) => [c.label.toLowerCase(), c]));
  const keep = new Set(wanted.map((c) => c.label.toLowerCase()));
  const later: FieldProblem[] = [];
  // Classes that go: only without any activity.
  for (const old of existing.filter((c) => !keep.has(c.label.toLowerCase()))) {
    if (await classHasActivity(trx, old.id))
      later.push({ field: 'classes', problem: `De klas ${old.label} kan niet meer worden verwijderd: er zijn leerlingen begonnen of ouders hebben gereageerd.` });
    else await trx.deleteFrom('person_classes').where('id', '=', old.id).execute();
  }
  for (const [i, c] of wanted.entries()) {
    const old = byLabel.get(c.label.toLowerCase());
    if (!old) {
      const created = await trx
        .insertInto('person_classes')
        .values({ round_id: ctx.roundId, site_id: ctx.siteId, label: c.label, grade: c.grade, pupils: c.pupils, link_nonce: newNonce(), created_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      await issueCodes(trx, secret, ctx, created.id, 0, c.pupils, now);
      continue;
    }
    const issued = await trx.selectFrom('persons').select((eb) => eb.fn.max('seq').as('n')).where('class_id', '=', old.id).where('role', '=', 'pupil').executeTakeFirst();
    const have = Number(issued?.n ?? 0);
    if (c.pupils < have) {
      // Shrinking removes the last codes, but only codes nobody used.
      const removable = await trx
        .selectFrom('persons as p')
        .select('p.id')
        .where('p.class_id', '=', old.id)
        .where('p.role', '=', 'pupil')
        .where('p.seq', '>', c.pupils)
        .where('p.status', '=', 'issued')
        // A re-issued round-1 code stays: it is a panel member, not a spare place.
        .where('p.previous_person_id', 'is', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('consent_events as e').select('e.id').whereRef('e.person_id', '=', 'p.id'))))
        .execute();
      if (removable.length < have - c.pupils) {
        later.push({ field: `classes.${i}.pupils`, problem: `Klas ${c.label}: het aantal leerlingen kan niet lager dan ${have}, omdat de laatste codes al gebruikt zijn.` });
        continue;
      }
      await trx.deleteFrom('persons').where('id', 'in', removable.map((r) => r.id)).execute();
    } else if (c.pupils > have) {
      await issueCodes(trx, secret, ctx, old.id, have, c.pupils, now);
    }
    await trx.updateTable('person_classes').set({ grade: c.grade, pupils: c.pupils, label: c.label }).where('id', '=', old.id).execute();
  }
  if (later.length > 0) throw badRequest('invalid_registration', 'De aanmelding is niet opgeslagen. Verbeter de punten hieronder.', later);
  await replaceTeachers(trx, secret, ctx, input.participates ? input.teachers : [], now);
  // New teachers get their invitation now, in this transaction (invited-mail.ts).
  if (mailFrom !== undefined && input.participates) await inviteTeachers(trx, ctx.siteId, now, mailFrom);
  await trx
    .updateTable('person_sites')
    .set({ participation: input.participates ? 'yes' : 'no', decided_at: now })
    .where('id', '=', ctx.siteId)
    .execute();
  // The school's invitation follows: registered = started (no more "not started" reminders), no = refused.
  await markSiteDecision(trx, ctx.invitationId, input.participates, now);
}

async function classHasActivity(trx: Kysely<DB>, classId: number): Promise<boolean> {
  const used = await trx
    .selectFrom('persons')
    .select('id')
    .where('class_id', '=', classId)
    .where('status', '!=', 'issued')
    .union(trx.selectFrom('consent_events').select(sql<number>`person_id`.as('id')).where('class_id', '=', classId).where('kind', '!=', 'info_sent'))
    .limit(1)
    .execute();
  return used.length > 0;
}

/** The persons row of a pupil place in a class; `previousId`: the pupil it continues (panels). */
export function pupilPlaceRow(
  ctx: Pick<CoordinatorContext, 'roundId' | 'siteId'>,
  classId: number,
  now: Date,
  place: { panelId: string; seq: number | null; nonce: string; hash: string; previousId?: number | null },
) {
  return {
    round_id: ctx.roundId,
    site_id: ctx.siteId,
    class_id: classId,
    role: 'pupil' as const,
    panel_id: place.panelId,
    seq: place.seq,
    code_nonce: place.nonce,
    code_hash: place.hash,
    previous_person_id: place.previousId ?? null,
    created_at: now,
  };
}

/**
 * Issues pupil places `from+1 … to` of a class: a random panel id and a code nonce each. A code
 * that happens to equal another code of the round (1 in 2^40 per pair) gets a new nonce.
 *
 * Batched (a national registration issues a million places): the codes of up to
 * `CODE_BATCH` places are derived first, then inserted in one multi-row INSERT … ON CONFLICT DO
 * NOTHING on the round's unique (round_id, code_hash); the places whose row did not go in (a code
 * already in the round, or twice in the batch) are tried again with a new nonce.
 */
export async function issueCodes(trx: Kysely<DB>, secret: string, ctx: Pick<CoordinatorContext, 'roundId' | 'siteId'>, classId: number, from: number, to: number, now: Date): Promise<void> {
  for (let start = from + 1; start <= to; start += CODE_BATCH) {
    let pending: number[] = [];
    for (let seq = start; seq <= Math.min(to, start + CODE_BATCH - 1); seq++) pending.push(seq);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 20) throw new Error('could not issue a unique pupil code');
      const rows = pending.map((seq) => {
        const nonce = newNonce();
        return pupilPlaceRow(ctx, classId, now, { panelId: randomUUID(), seq, nonce, hash: codeHash(secret, pupilCode(secret, nonce)) });
      });
      const inserted = await trx
        .insertInto('persons')
        .values(rows)
        .onConflict((oc) => oc.columns(['round_id', 'code_hash']).doNothing())
        .returning('seq')
        .execute();
      const done = new Set(inserted.map((r) => r.seq));
      pending = pending.filter((seq) => !done.has(seq));
    }
  }
}

/** Places per INSERT in issueCodes (10 parameters a row, well under PostgreSQL's 65,535). */
const CODE_BATCH = 1000;

async function replaceTeachers(trx: Kysely<DB>, secret: string, ctx: CoordinatorContext, teachers: TeacherInput[], now: Date): Promise<void> {
  const classes = await trx.selectFrom('person_classes').select(['id', 'label']).where('site_id', '=', ctx.siteId).execute();
  const classId = new Map(classes.map((c) => [c.label.toLowerCase(), c.id]));
  const current = await trx
    .selectFrom('persons as p')
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .select(['p.id', 'pc.email', 'p.status'])
    .where('p.site_id', '=', ctx.siteId)
    .where('p.role', '=', 'teacher')
    .execute();
  const byEmail = new Map(current.map((t) => [t.email, t]));
  const wanted = new Set(teachers.map((t) => t.email.trim().toLowerCase()));
  const gone = current.filter((t) => !wanted.has(t.email) && t.status === 'issued').map((t) => t.id);
  if (gone.length > 0) {
    await stopInvitedMail(trx, gone, 'Niet verstuurd: leerkracht afgemeld door de school');
    await trx.deleteFrom('persons').where('id', 'in', gone).execute();
  }
  for (const t of teachers) {
    const email = t.email.trim().toLowerCase();
    let id = byEmail.get(email)?.id;
    if (id === undefined) {
      // A follow-up round: the same address (by its keyed hash) continues the earlier teacher.
      const hash = contactHash(secret, email);
      const earlier = await previousByContact(trx, ctx.roundId, 'teacher', hash);
      const created = await trx
        .insertInto('persons')
        .values({
          round_id: ctx.roundId,
          site_id: ctx.siteId,
          role: 'teacher',
          panel_id: earlier?.panel_id ?? randomUUID(),
          previous_person_id: earlier?.id ?? null,
          contact_hash: hash,
          code_nonce: newNonce(),
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = created.id;
      await trx.insertInto('person_contacts').values({ person_id: id, email }).execute();
    }
    await trx.deleteFrom('teacher_classes').where('person_id', '=', id).execute();
    const ids = [...new Set(t.classes.map((l) => classId.get(l.trim().toLowerCase())!))];
    await trx.insertInto('teacher_classes').values(ids.map((class_id) => ({ person_id: id!, class_id }))).execute();
  }
}

export async function coordinatorClasses(db: Kysely<DB>, siteId: number) {
  const classes = await db
    .selectFrom('person_classes')
    .select(['id', 'label', 'grade', 'pupils', 'link_nonce'])
    .where('site_id', '=', siteId)
    .orderBy('label')
    .execute();
  const teachers = await db
    .selectFrom('persons as p')
    .innerJoin('person_contacts as pc', 'pc.person_id', 'p.id')
    .leftJoin('teacher_classes as tc', 'tc.person_id', 'p.id')
    .leftJoin('person_classes as c', 'c.id', 'tc.class_id')
    .select(['p.id', 'pc.email', 'c.label'])
    .where('p.site_id', '=', siteId)
    .where('p.role', '=', 'teacher')
    .orderBy('pc.email')
    .execute();
  const byTeacher = new Map<number, { email: string; classes: string[] }>();
  for (const t of teachers) {
    const entry = byTeacher.get(t.id) ?? { email: t.email, classes: [] };
    if (t.label) entry.classes.push(t.label);
    byTeacher.set(t.id, entry);
  }
  return { classes, teachers: [...byTeacher.values()] };
}

/** A class of the coordinator's school, with its pupils' codes in sheet order. */
export async function classWithCodes(db: Kysely<DB>, secret: string, siteId: number, classId: number) {
  const cls = await db.selectFrom('person_classes').selectAll().where('id', '=', classId).where('site_id', '=', siteId).executeTakeFirst();
  if (!cls) throw notFound('Deze klas bestaat niet (meer).');
  const pupils = await db
    .selectFrom('persons')
    .select(['seq', 'code_nonce'])
    .where('class_id', '=', classId)
    .where('role', '=', 'pupil')
    .orderBy('seq')
    .execute();
  return { cls, codes: pupils.map((p) => ({ seq: p.seq ?? 0, code: pupilCode(secret, p.code_nonce!) })) };
}

export async function recordInfoSent(db: Kysely<DB>, ctx: CoordinatorContext, classId: number, now: Date): Promise<void> {
  const cls = await db.selectFrom('person_classes').select('id').where('id', '=', classId).where('site_id', '=', ctx.siteId).executeTakeFirst();
  if (!cls) throw notFound('Deze klas bestaat niet (meer).');
  await db.insertInto('consent_events').values({ round_id: ctx.roundId, class_id: classId, person_id: null, kind: 'info_sent', source: 'school', at: now }).execute();
}
