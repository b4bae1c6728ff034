import { sql, type Kysely } from 'kysely';

/**
 * Nominated partners and the snowball round (issue 20; server/snowball/).
 *
 * - `rounds.unit_type` gains 'partner': a round whose respondents are organisations that schools
 *   of another round named (kinderopvang, jeugdhulp, other schools). Its invitations have no
 *   school (`school_id` null) and carry the partner's name in `school_name`; links, waves,
 *   reminders, opt-out and bounces are today's.
 * - `partner_rounds`: which school round a partner round follows (one partner round per school round).
 * - `partners`: one nominated organisation per school round, after merging the nominations of
 *   several schools (same address, or same normalised organisation name), with the admin's
 *   decision (pending / approved / rejected) and, once invited, its invitation in the partner round.
 * - `partner_nominations`: what one school named, tied to the school's invitation and to the
 *   merged partner. Contact data (name, address) are personal data that did not come from a
 *   public list: they are emptied by the round's retention purge and by a school's erasure.
 * - `respondent_context` / `respondent_autosave` (migration 0020) accept partner invitations,
 *   which have no school; purged school invitations still drop out.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table rounds drop constraint if exists rounds_unit_type_check`.execute(db);
  await sql`alter table rounds add constraint rounds_unit_type_check check (unit_type in ('school', 'person', 'partner'))`.execute(db);
  await sql`create table partner_rounds (
    round_id int primary key references rounds (id) on delete cascade,
    source_round_id int not null unique references rounds (id) on delete cascade,
    created_at timestamptz not null
  )`.execute(db);
  await sql`create table partners (
    id int generated always as identity primary key,
    source_round_id int not null references rounds (id) on delete cascade,
    organisation text,
    org_key text,
    partner_type text not null check (partner_type in ('kinderopvang', 'jeugdhulp', 'andere-school', 'anders')),
    contact_name text,
    email text,
    state text not null default 'pending' check (state in ('pending', 'approved', 'rejected')),
    invitation_id int unique references invitations (id) on delete set null,
    reviewed_by int references users (id) on delete set null,
    reviewed_at timestamptz,
    purged_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`.execute(db);
  await sql`create index partners_round_idx on partners (source_round_id)`.execute(db);
  await sql`create table partner_nominations (
    id int generated always as identity primary key,
    source_round_id int not null references rounds (id) on delete cascade,
    invitation_id int not null references invitations (id) on delete cascade,
    position int not null,
    partner_id int references partners (id) on delete set null,
    organisation text,
    partner_type text not null,
    contact_name text,
    email text,
    created_at timestamptz not null,
    unique (invitation_id, position)
  )`.execute(db);
  await sql`create index partner_nominations_round_idx on partner_nominations (source_round_id)`.execute(db);
  await sql`create index partner_nominations_partner_idx on partner_nominations (partner_id)`.execute(db);

  await sql`
    create or replace function respondent_context(p_hash text, p_answers boolean)
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
          coalesce(i.school_name, s.name, '')::text, coalesce(i.school_kind, s.kind)::text,
          w.sector::text, rs.situation::text,
          resp.id::int, case when p_answers then resp.data else null end, resp.current_page::int,
          resp.revision::int, resp.branch::text, resp.completed_at
        from invitations i
        join rounds r on r.id = i.round_id
        join studies st on st.id = r.study_id
        join swvs w on w.id = i.swv_id
        left join schools s on s.id = i.school_id
        left join round_swvs rs on rs.round_id = i.round_id and rs.swv_id = i.swv_id
        left join responses resp on resp.invitation_id = i.id
        left join questionnaire_versions qv on qv.id = r.questionnaire_version_id
        where i.token_hash = p_hash
          -- Purged school invitations have no school any more; they drop out and the link is closed.
          and (s.id is not null or r.unit_type = 'partner');
    end
    $fn$
  `.execute(db);

  await sql`
    create or replace function respondent_autosave(p_hash text, p_version int, p_data jsonb, p_page int, p_revision int, p_now timestamptz)
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
      left join schools s on s.id = i.school_id
      where i.token_hash = p_hash
        and (s.id is not null or r.unit_type = 'partner')
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
  await sql`drop table if exists partner_nominations`.execute(db);
  await sql`drop table if exists partners`.execute(db);
  await sql`drop table if exists partner_rounds`.execute(db);
  await sql`alter table rounds drop constraint if exists rounds_unit_type_check`.execute(db);
  await sql`alter table rounds add constraint rounds_unit_type_check check (unit_type in ('school', 'person'))`.execute(db);
}
