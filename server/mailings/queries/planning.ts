import { sql, type Kysely } from 'kysely';
import type { DB, MailingKind } from '../../db/types';
import { notFound } from '../../errors';
import { roundSchools } from '../../invitations/eligibility';
import { loadCandidates, parseTarget, skipReason, targetedInvitations, type Candidate } from '../targets';
import type { MailingTarget } from '../../../contract/api/mailings';
import { estimateFinish, recentSends } from '../throttle';
import type { RelayLimits } from '../../../contract/api/mailings';
import type { Estimate, OpeningPlan } from '../../../contract/api/mailings';

/** Planning a wave or a round's opening: who a target reaches, the estimate, the opening plan. */

export async function assertRound(db: Kysely<DB>, roundId: number) {
  const round = await db
    .selectFrom('rounds as r')
    .innerJoin('studies as s', 's.id', 'r.study_id')
    .select(['r.id', 'r.name', 'r.status', 'r.opens_at', 'r.closes_at', 'r.reminder_policy', 's.name as study_name'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!round) throw notFound('Deze meting bestaat niet.');
  return round;
}

/**
 * How many mails a wave would send if it went now, and when the last would be handed to the
 * relay at its limits, counting the mails queued or planned before it.
 */
export async function estimateMailing(
  db: Kysely<DB>,
  roundId: number,
  kind: MailingKind,
  target: MailingTarget,
  dueAt: Date,
  now: Date,
  limits: RelayLimits,
  excludeMailingId?: number,
): Promise<Estimate> {
  void kind;
  const at = dueAt.getTime() > now.getTime() ? dueAt : now;
  const count = (await plannedRecipients(db, roundId, target, at)).length;
  const ahead = await queueAhead(db, at, excludeMailingId);
  const history = await recentSends(db, now);
  const finish = estimateFinish(at, ahead + count, limits, history);
  return { count, ahead, startsAt: at.toISOString(), finishesAt: finish.toISOString(), limits };
}

/**
 * Who a target reaches at `at`. Before the round opens there are no invitations yet: then the
 * schools that opening will invite are counted, as if the round were open (the admin plans
 * ahead), through the same rule (skipReason) a wave applies when it goes.
 */
export async function plannedRecipients(db: Kysely<DB>, roundId: number, target: MailingTarget, at: Date): Promise<Candidate[]> {
  const round = await assertRound(db, roundId);
  const asOpen = <T extends Candidate>(c: T): T => ({ ...c, round_status: 'open', closes_at: null });
  const invited = (await loadCandidates(db, roundId, { swvIds: target.swvIds })).map(asOpen);
  if (round.status !== 'draft') return invited.filter((c) => skipReason(c, target, at) === null);
  return [...invited, ...(await schoolsToInvite(db, roundId))].filter((c) => skipReason(c, target, at) === null);
}

/** The schools opening the round will invite, as candidates without an invitation yet. */
export async function schoolsToInvite(db: Kysely<DB>, roundId: number): Promise<Candidate[]> {
  const schools = (await roundSchools(db, roundId)).filter((s) => s.state === 'to-invite');
  if (schools.length === 0) return [];
  const swvs = await db
    .selectFrom('round_swvs as rs')
    .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
    .select(['rs.swv_id', 'rs.situation', 'w.name'])
    .where('rs.round_id', '=', roundId)
    .execute();
  const swvById = new Map(swvs.map((s) => [s.swv_id, s]));
  const details = new Map<number, { province: string | null; denomination: string | null }>();
  for (let i = 0; i < schools.length; i += 5000) {
    const rows = await db
      .selectFrom('schools')
      .select(['id', 'province', 'denomination'])
      .where('id', 'in', schools.slice(i, i + 5000).map((s) => s.schoolId))
      .execute();
    for (const row of rows) details.set(row.id, row);
  }
  return schools.map((s) => ({
    id: 0,
    token_nonce: '',
    school_name: s.name,
    swv_name: swvById.get(s.swvId)?.name ?? '',
    named_by: null,
    email: s.email,
    status: 'pending',
    excluded_at: null,
    opted_out_at: null,
    bounced_at: null,
    invited_at: null,
    completed_at: null,
    refused_at: null,
    swv_id: s.swvId,
    situation: swvById.get(s.swvId)?.situation ?? null,
    school_kind: s.kind,
    school_province: details.get(s.schoolId)?.province ?? null,
    school_denomination: details.get(s.schoolId)?.denomination ?? null,
    round_status: 'open',
    closes_at: null,
  }));
}

/** Mails waiting in the outbox by `at`, plus those of one-off waves planned before it (they go first). */
async function queueAhead(db: Kysely<DB>, at: Date, excludeMailingId?: number): Promise<number> {
  const queued = await db
    .selectFrom('outbox_messages')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('status', 'in', ['pending', 'sending'])
    .where('next_attempt_at', '<=', at)
    .executeTakeFirstOrThrow();
  let ahead = queued.n;
  let earlier = db
    .selectFrom('mailings')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('due_at', '<=', at)
    .where(sql<boolean>`(target->>'afterDays') is null`);
  if (excludeMailingId !== undefined) earlier = earlier.where('id', '!=', excludeMailingId);
  for (const m of await earlier.execute()) {
    ahead += (await targetedInvitations(db, m.round_id, parseTarget(m.target, m.kind), at)).length;
  }
  return ahead;
}

/**
 * What opening a round will do, before the admin confirms: how many invitation mails go to
 * which schools, from when, at the relay's pace (when the last is handed over), and when each
 * reminder of the round's policy follows (each school that many days after its own invitation).
 */
export async function openingPlan(
  db: Kysely<DB>,
  roundId: number,
  sendAt: Date | null,
  now: Date,
  limits: RelayLimits,
  capture: boolean,
): Promise<OpeningPlan> {
  const round = await assertRound(db, roundId);
  // As opening schedules it: the chosen moment, else the round's opening time, never before now.
  const chosen = sendAt ?? (round.opens_at ? new Date(round.opens_at) : now);
  const at = chosen.getTime() > now.getTime() ? chosen : now;
  const schools = await roundSchools(db, roundId);
  const toInvite = schools.filter((s) => s.state === 'to-invite');
  const swvs = await db
    .selectFrom('round_swvs as rs')
    .innerJoin('swvs as w', 'w.id', 'rs.swv_id')
    .select(['w.id', 'w.code', 'w.name'])
    .where('rs.round_id', '=', roundId)
    .orderBy('rs.region_letter')
    .orderBy('w.code')
    .execute();
  const perSwv = swvs.map((w) => ({ code: w.code, name: w.name, count: toInvite.filter((s) => s.swvId === w.id).length }));
  const ahead = await queueAhead(db, at);
  const history = await recentSends(db, now);
  const finish = estimateFinish(at, ahead + toInvite.length, limits, history);
  const policy = round.reminder_policy as { afterDays?: unknown } | null;
  const days = Array.isArray(policy?.afterDays) ? (policy!.afterDays as unknown[]).filter((d): d is number => Number.isInteger(d) && (d as number) > 0) : [];
  const closesAt = round.closes_at ? new Date(round.closes_at) : null;
  const DAY = 86_400_000;
  return {
    invitations: toInvite.length,
    unreachable: schools.filter((s) => s.state === 'unreachable').length,
    swvs: swvs.length,
    perSwv,
    sendAt: at.toISOString(),
    ahead,
    finishesAt: finish.toISOString(),
    limits,
    capture,
    reminders: [...new Set(days)]
      .sort((a, b) => a - b)
      .map((d) => {
        const firstAt = new Date(at.getTime() + d * DAY);
        return { afterDays: d, firstAt: firstAt.toISOString(), lastAt: new Date(finish.getTime() + d * DAY).toISOString(), beforeClose: !closesAt || firstAt < closesAt };
      }),
    opensAt: round.opens_at ? new Date(round.opens_at).toISOString() : null,
    closesAt: closesAt ? closesAt.toISOString() : null,
  };
}
