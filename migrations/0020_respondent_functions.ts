import { sql, type Kysely } from 'kysely';

/**
 * The respondent path's two hottest statements as PL/pgSQL functions (issue 21).
 *
 * Profiled in bench/respondent.ts: the token lookup behind every respondent request (an
 * eight-table join) cost PostgreSQL about 1.5 ms to plan and 0.13 ms to run, on every call,
 * because the app sends unnamed statements. PL/pgSQL keeps the plans of its statements for the
 * life of the connection, so these functions are planned once per connection.
 *
 * - `respondent_context(hash, answers)`: the same rows and columns loadContext read before
 *   (server/responses/survey-state.ts); the stored answers only when `answers` is true.
 * - `respondent_autosave(hash, version, data, page, revision, now)`: an autosave in one round
 *   trip, for a link whose questionnaire version the server already knows. It stores only when
 *   everything the full path checks holds (link not erased, excluded or purged; round open at
 *   `now` with that version; consent given, not completed, not refused; the revision is the
 *   newest) and then touches last_activity_at. It returns the new revision, or null when
 *   anything does not hold: the server then takes the full path, which finds out why and answers
 *   exactly as before. Saves on the same revision race for the row lock as before (the UPDATE's
 *   `revision = $seen` is re-checked after the wait).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function respondent_context(p_hash text, p_answers boolean)
    returns table (
      "invitationId" int, "roundId" int, status text, "openedAt" timestamptz, "erasedAt" timestamptz,
      "excludedAt" timestamptz, "studyName" text, "roundName" text, "roundStatus" text,
      "opensAt" timestamptz, "closesAt" timestamptz, "purgedAt" timestamptz, "versionId" int,
      "versionSha" text, "schoolName" text, "schoolKind" text, sector text, situation text,
      "responseId" int, data jsonb, "currentPage" int, revision int, branch text,
      "responseCompletedAt" timestamptz
    )
    language plpgsql stable as $fn$
    begin
      return query
        select i.id::int, i.round_id::int, i.status::text, i.opened_at, i.erased_at,
          i.excluded_at, st.name::text, r.name::text, r.status::text,
          r.opens_at, r.closes_at, r.purged_at, r.questionnaire_version_id::int,
          qv.sha256::text,
          -- The school as it was when invited (migration 0012).
          coalesce(i.school_name, s.name)::text, coalesce(i.school_kind, s.kind)::text,
          w.sector::text, rs.situation::text,
          resp.id::int, case when p_answers then resp.data else null end, resp.current_page::int,
          resp.revision::int, resp.branch::text, resp.completed_at
        from invitations i
        join rounds r on r.id = i.round_id
        join studies st on st.id = r.study_id
        join swvs w on w.id = i.swv_id
        -- Purged invitations have no school any more; they drop out here and the link is closed.
        join schools s on s.id = i.school_id
        left join round_swvs rs on rs.round_id = i.round_id and rs.swv_id = i.swv_id
        left join responses resp on resp.invitation_id = i.id
        left join questionnaire_versions qv on qv.id = r.questionnaire_version_id
        where i.token_hash = p_hash;
    end
    $fn$
  `.execute(db);

  await sql`
    create function respondent_autosave(p_hash text, p_version int, p_data jsonb, p_page int, p_revision int, p_now timestamptz)
    returns int
    language plpgsql as $fn$
    declare
      v_invitation int;
      v_revision int;
    begin
      select i.id into v_invitation
      from invitations i
      join rounds r on r.id = i.round_id
      join studies st on st.id = r.study_id
      join swvs w on w.id = i.swv_id
      join schools s on s.id = i.school_id
      where i.token_hash = p_hash
        and i.erased_at is null and i.excluded_at is null
        and i.status not in ('completed', 'refused')
        and r.purged_at is null and r.status = 'open'
        and (r.closes_at is null or r.closes_at > p_now)
        and (r.opens_at is null or r.opens_at <= p_now)
        and r.questionnaire_version_id = p_version;
      if v_invitation is null then
        return null;
      end if;
      update responses
        set data = p_data, current_page = p_page, revision = responses.revision + 1, updated_at = p_now
        where invitation_id = v_invitation and responses.revision = p_revision and completed_at is null
        returning responses.revision into v_revision;
      if v_revision is null then
        return null;
      end if;
      update invitations set last_activity_at = p_now where id = v_invitation;
      return v_revision;
    end
    $fn$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function respondent_autosave(text, int, jsonb, int, int, timestamptz)`.execute(db);
  await sql`drop function respondent_context(text, boolean)`.execute(db);
}
