import type { Kysely } from 'kysely';
import type { RoundPreview, RoundSchool, RoundSwvSummary } from '../../contract/api/rounds';
import type { DB, InvitationStatus, SchoolKind, Situation, SwvSector } from '../db/types';
import { notFound } from '../errors';
import { sectorOfKind } from '../schools/codes';
import { checkEmail } from '../schools/email';

/**
 * Who a round reaches. The schools of a round are the active locations linked to its SWVs, plus
 * the schools an admin added, minus those excluded; each counts under one SWV of the round (a
 * school in two of its SWVs under the one of its own sector). Every school is in one state:
 * - `invited`: has an invitation (the round was opened, or the school was added since);
 * - `to-invite`: has a usable address and no invitation yet (before opening: will be invited);
 * - `unreachable`: no address, or one that is not a usable address;
 * - `excluded`: the admin excluded it (an invitation it had is kept, marked excluded).
 */

// What the admin pages see is defined once, in the contract.

function unreachableReason(email: string | null): string | null {
  if (email === null || email.trim() === '') return 'geen e-mailadres';
  return checkEmail(email).ok ? null : 'ongeldig e-mailadres';
}

export async function roundSchools(db: Kysely<DB>, roundId: number): Promise<RoundSchool[]> {
  const round = await db.selectFrom('rounds').select(['id', 'status', 'purged_at']).where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  // After the retention purge the round no longer knows its schools.
  if (round.purged_at) return [];
  const swvs = await db
    .selectFrom('round_swvs')
    .innerJoin('swvs', 'swvs.id', 'round_swvs.swv_id')
    .select(['swvs.id', 'swvs.code', 'swvs.sector'])
    .where('round_swvs.round_id', '=', roundId)
    .execute();
  const swvById = new Map(swvs.map((s) => [s.id, s]));

  const schoolColumns = ['schools.id', 'schools.location_code', 'schools.name', 'schools.kind', 'schools.city', 'schools.active', 'schools.email', 'schools.email_source'] as const;
  const linked = swvs.length
    ? await db
        .selectFrom('school_swvs')
        .innerJoin('schools', 'schools.id', 'school_swvs.school_id')
        .select([...schoolColumns, 'school_swvs.swv_id'])
        .where('school_swvs.swv_id', 'in', swvs.map((s) => s.id))
        .where('schools.active', '=', true)
        .execute()
    : [];
  const choices = await db
    .selectFrom('round_school_choices')
    .innerJoin('schools', 'schools.id', 'round_school_choices.school_id')
    .select([...schoolColumns, 'round_school_choices.choice', 'round_school_choices.swv_id'])
    .where('round_school_choices.round_id', '=', roundId)
    .execute();
  const invitations = await db
    .selectFrom('invitations')
    .innerJoin('schools', 'schools.id', 'invitations.school_id')
    .select([...schoolColumns, 'invitations.id as invitation_id', 'invitations.swv_id', 'invitations.status', 'invitations.excluded_at', 'invitations.erased_at', 'invitations.email as invitation_email'])
    .where('invitations.round_id', '=', roundId)
    .execute();

  type SchoolRow = (typeof linked)[number];
  const candidates = new Map<number, { school: SchoolRow; swvId: number; added: boolean }>();
  for (const row of linked) {
    const have = candidates.get(row.id);
    const own = swvById.get(row.swv_id)!;
    if (!have) {
      candidates.set(row.id, { school: row, swvId: row.swv_id, added: false });
      continue;
    }
    // In two of the round's SWVs: the one of the school's own sector, then the lowest code.
    const current = swvById.get(have.swvId)!;
    const sector = sectorOfKind(row.kind);
    const better = (own.sector === sector) !== (current.sector === sector) ? own.sector === sector : own.code < current.code;
    if (better) have.swvId = row.swv_id;
  }
  const excludedIds = new Set<number>();
  for (const choice of choices) {
    if (choice.choice === 'exclude') excludedIds.add(choice.id);
    else if (choice.swv_id !== null && swvById.has(choice.swv_id)) {
      candidates.set(choice.id, { school: { ...choice, swv_id: choice.swv_id }, swvId: choice.swv_id, added: !candidates.has(choice.id) });
    }
  }

  const out: RoundSchool[] = [];
  const seen = new Set<number>();
  for (const inv of invitations) {
    seen.add(inv.id);
    const swv = swvById.get(inv.swv_id);
    out.push({
      schoolId: inv.id,
      locationCode: inv.location_code,
      name: inv.name,
      kind: inv.kind,
      city: inv.city,
      active: inv.active,
      email: inv.email,
      emailSource: inv.email_source,
      swvId: inv.swv_id,
      swvCode: swv?.code ?? '',
      state: inv.excluded_at ? 'excluded' : 'invited',
      reason: inv.erased_at ? 'gegevens op verzoek verwijderd' : null,
      added: candidates.get(inv.id)?.added ?? !candidates.has(inv.id),
      invitationId: inv.invitation_id,
      invitationStatus: inv.status,
      invitationEmail: inv.invitation_email,
    });
  }
  for (const { school, swvId, added } of candidates.values()) {
    if (seen.has(school.id)) continue;
    const reason = unreachableReason(school.email);
    out.push({
      schoolId: school.id,
      locationCode: school.location_code,
      name: school.name,
      kind: school.kind,
      city: school.city,
      active: school.active,
      email: school.email,
      emailSource: school.email_source,
      swvId,
      swvCode: swvById.get(swvId)!.code,
      state: excludedIds.has(school.id) ? 'excluded' : reason ? 'unreachable' : 'to-invite',
      reason,
      added,
      invitationId: null,
      invitationStatus: null,
      invitationEmail: null,
    });
  }
  return out.sort((a, b) => a.swvCode.localeCompare(b.swvCode) || a.locationCode.localeCompare(b.locationCode));
}

/** Per SWV how many schools will be (or were) invited, and who cannot be reached. */
export async function previewRound(db: Kysely<DB>, roundId: number): Promise<RoundPreview> {
  const round = await db.selectFrom('rounds').select(['id', 'status']).where('id', '=', roundId).executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  const schools = await roundSchools(db, roundId);
  const swvs = await db
    .selectFrom('round_swvs')
    .innerJoin('swvs', 'swvs.id', 'round_swvs.swv_id')
    .select(['swvs.id', 'swvs.code', 'swvs.name', 'swvs.sector', 'round_swvs.situation', 'round_swvs.region_letter'])
    .where('round_swvs.round_id', '=', roundId)
    .orderBy('round_swvs.region_letter')
    .orderBy('swvs.code')
    .execute();
  const summaries = new Map<number, RoundSwvSummary>(
    swvs.map((s) => [
      s.id,
      { swvId: s.id, code: s.code, name: s.name, sector: s.sector, situation: s.situation, regionLetter: s.region_letter, schools: 0, invited: 0, toInvite: 0, unreachable: 0, excluded: 0 },
    ]),
  );
  const totals = { schools: 0, invited: 0, toInvite: 0, unreachable: 0, excluded: 0 };
  for (const school of schools) {
    const summary = summaries.get(school.swvId);
    const key = ({ invited: 'invited', 'to-invite': 'toInvite', unreachable: 'unreachable', excluded: 'excluded' } as const)[school.state];
    if (summary) {
      summary[key]++;
      if (school.state !== 'excluded') summary.schools++;
    }
    totals[key]++;
    if (school.state !== 'excluded') totals.schools++;
  }
  return {
    roundId,
    status: round.status,
    swvs: [...summaries.values()],
    totals,
    unreachable: schools.filter((s) => s.state === 'unreachable'),
    excluded: schools.filter((s) => s.state === 'excluded'),
  };
}
