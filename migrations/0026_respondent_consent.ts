import { sql, type Kysely } from 'kysely';

/**
 * Consent and refusal in one round trip (issue 21).
 *
 * Profiled in bench/class-at-once.ts: consent was the heaviest step of a pupil's first minute,
 * a transaction of six round trips (BEGIN, the invitation locked, the response read, INSERT,
 * UPDATE, COMMIT) between two token lookups. `respondent_consent(invitation, give, data, now)`
 * does the same checks and writes in one statement (so in one transaction), with the same
 * semantics as giveConsent / refuseConsent had (server/responses/survey-state.ts):
 *
 * - the invitation row is locked first, so concurrent consents and refusals of one link run one
 *   after the other;
 * - completed (the invitation, or its response) → outcome 'completed', nothing changed;
 * - give: a response row holding `data` (only the consent answer), page 0, revision 1, when there
 *   is none; then, unless the school was already `started` with a response, status `started`,
 *   consent_at, refused_at cleared, started_at and opened_at kept if set, last_activity_at;
 * - refuse: the response row (all answers) deleted; then, unless already `refused`, status
 *   `refused`, refused_at, consent_at cleared, opened_at kept if set, last_activity_at;
 * - an invitation that does not exist → outcome 'missing'.
 *
 * It returns the outcome ('ok', 'completed', 'missing') and the response as it is afterwards
 * (nulls when there is none), so the route answers without a second lookup.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function respondent_consent(p_invitation int, p_give boolean, p_data jsonb, p_now timestamptz)
    returns table (outcome text, data jsonb, "currentPage" int, revision int, branch text, "completedAt" timestamptz)
    language plpgsql as $fn$
    #variable_conflict use_column
    declare
      v_status text;
      v_response int;
      v_completed timestamptz;
    begin
      select i.status::text into v_status from invitations i where i.id = p_invitation for update;
      if not found then
        return query select 'missing'::text, null::jsonb, null::int, null::int, null::text, null::timestamptz;
        return;
      end if;
      select r.id, r.completed_at into v_response, v_completed from responses r where r.invitation_id = p_invitation;
      if v_status = 'completed' or v_completed is not null then
        return query select 'completed'::text, null::jsonb, null::int, null::int, null::text, null::timestamptz;
        return;
      end if;
      if p_give then
        if v_response is null then
          insert into responses (invitation_id, data, current_page, revision, created_at, updated_at)
            values (p_invitation, p_data, 0, 1, p_now, p_now);
        end if;
        if v_status <> 'started' or v_response is null then
          update invitations
            set status = 'started', consent_at = p_now, refused_at = null,
                started_at = coalesce(started_at, p_now), opened_at = coalesce(opened_at, p_now),
                last_activity_at = p_now
            where id = p_invitation;
        end if;
        return query
          select 'ok'::text, r.data, r.current_page::int, r.revision::int, r.branch::text, r.completed_at
          from responses r where r.invitation_id = p_invitation;
        return;
      end if;
      if v_response is not null then
        delete from responses where id = v_response;
      end if;
      if v_status <> 'refused' then
        update invitations
          set status = 'refused', refused_at = p_now, consent_at = null,
              opened_at = coalesce(opened_at, p_now), last_activity_at = p_now
          where id = p_invitation;
      end if;
      return query select 'ok'::text, null::jsonb, null::int, null::int, null::text, null::timestamptz;
    end
    $fn$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function respondent_consent(int, boolean, jsonb, timestamptz)`.execute(db);
}
