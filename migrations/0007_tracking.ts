import { sql, type Kysely } from 'kysely';

/**
 * Live response tracking (server/tracking/).
 *
 * The dashboard's figures are counts over invitations, responses and outbox messages. Counting
 * those tables at every change would grow with the round (a million invitations take ~200 ms per
 * GROUP BY), so triggers keep a small summary instead, derived only from the columns of the core
 * model, whichever area writes them:
 *
 * - `tracking_deltas` is append-only: every relevant change adds (round, swv, facet, key, ±n)
 *   rows. Writers only insert, so concurrent transactions never wait for each other on a counter
 *   row (no hot rows, no new deadlocks).
 * - `tracking_counts` holds the folded sums; `server/tracking/counts.ts` moves deltas into it
 *   (one compactor per round at a time, by advisory lock) and reads counts + remaining deltas in
 *   one statement, so a reader always sees a consistent total.
 * - facets: 'invitation' (status and the null-ness of the timestamps that matter), 'day'
 *   (completions per Amsterdam calendar day), 'response' (completed responses per branch) and
 *   'delivery' (invitations with at least one sent message). Keys of excluded invitations end
 *   in ':x' (for 'invitation' the 'x' flag), so excluded schools count nowhere. A school whose
 *   data was erased on request (erased_at, server/privacy/erase.ts) stays counted as invited.
 * - `tracking_invitations` keeps, per invitation, what the 'response' and 'delivery' facets
 *   counted for it (its branch, its number of sent messages, where and whether excluded). The
 *   triggers of invitations, responses and outbox_messages all lock that one row before
 *   changing counts, so concurrent changes of one school through different tables cannot count
 *   it twice or lose it.
 *
 * The same triggers `pg_notify('meetronde_round_changes', <round id>)`, so every area's change
 * reaches the live dashboards of every instance without calling anything. PostgreSQL folds
 * identical notifications of one transaction into one, so a bulk change sends one.
 *
 * Row triggers carry WHEN conditions so that frequent writes the dashboard does not show (an
 * autosave touching last_activity_at, the mail worker's locking columns) cost nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`create table tracking_counts (
      round_id int not null,
      swv_id int not null,
      facet text not null,
      key text not null,
      n int not null,
      primary key (round_id, swv_id, facet, key)
    )`,
    sql`create table tracking_deltas (
      round_id int not null,
      swv_id int not null,
      facet text not null,
      key text not null,
      n int not null
    )`,
    sql`create index tracking_deltas_round_idx on tracking_deltas (round_id)`,
    sql`create table tracking_invitations (
      invitation_id int primary key,
      round_id int not null,
      swv_id int not null,
      is_excluded boolean not null,
      sent int not null,
      branch_key text
    )`,
    sql`create index tracking_invitations_round_idx on tracking_invitations (round_id)`,
    // Last activity per SWV is a max(), which deltas cannot keep; this index makes it one probe
    // per SWV.
    sql`create index invitations_round_swv_activity_idx on invitations (round_id, swv_id, last_activity_at)`,
    sql`create table swv_view_links (
      id int generated always as identity primary key,
      round_id int not null references rounds (id) on delete cascade,
      swv_id int not null references swvs (id) on delete cascade,
      token_hash text not null unique,
      label text,
      created_by int references users (id) on delete set null,
      created_at timestamptz not null,
      revoked_at timestamptz,
      last_used_at timestamptz
    )`,
    sql`create index swv_view_links_round_idx on swv_view_links (round_id)`,

    sql`create function tracking_invitation_key(
      status text, invited_at timestamptz, excluded_at timestamptz, bounced_at timestamptz,
      opted_out_at timestamptz, opened_at timestamptz, erased_at timestamptz
    ) returns text language sql immutable as $$
      select status || ':' ||
        case when invited_at is null then '-' else 'i' end ||
        case when excluded_at is null then '-' else 'x' end ||
        case when bounced_at is null then '-' else 'b' end ||
        case when opted_out_at is null then '-' else 'u' end ||
        case when opened_at is null then '-' else 'o' end ||
        case when erased_at is null then '-' else 'e' end
    $$`,
    sql`create function tracking_day_key(status text, completed_at timestamptz, excluded_at timestamptz)
    returns text language sql stable as $$
      select case when status <> 'completed' then null
        else coalesce(to_char(completed_at at time zone 'Europe/Amsterdam', 'YYYY-MM-DD'), 'onbekend')
          || case when excluded_at is null then '' else ':x' end
      end
    $$`,

    // invitations: inserted in bulk when a round opens, so one statement trigger per insert.
    sql`create function tracking_invitations_inserted() returns trigger language plpgsql as $$
    begin
      insert into tracking_deltas (round_id, swv_id, facet, key, n)
      select round_id, swv_id, 'invitation',
             tracking_invitation_key(status, invited_at, excluded_at, bounced_at, opted_out_at, opened_at, erased_at), count(*)
      from new_rows group by 1, 2, 4
      union all
      select round_id, swv_id, 'day', tracking_day_key(status, completed_at, excluded_at), count(*)
      from new_rows where status = 'completed' group by 1, 2, 4;
      perform pg_notify('meetronde_round_changes', r.round_id::text) from (select distinct round_id from new_rows) r;
      return null;
    end $$`,
    sql`create trigger tracking_invitations_insert after insert on invitations
      referencing new table as new_rows for each statement execute function tracking_invitations_inserted()`,

    // The per-invitation side row, created when first needed and locked by whoever changes it.
    sql`create function tracking_lock_invitation(p_invitation int) returns tracking_invitations language plpgsql as $$
    declare
      state tracking_invitations;
    begin
      for attempt in 1..3 loop
        select * into state from tracking_invitations where invitation_id = p_invitation for update;
        if found then
          return state;
        end if;
        insert into tracking_invitations (invitation_id, round_id, swv_id, is_excluded, sent, branch_key)
          select id, round_id, swv_id, excluded_at is not null, 0, null from invitations where id = p_invitation
          on conflict (invitation_id) do nothing;
        if not found and not exists (select 1 from invitations where id = p_invitation) then
          return null; -- the invitation is being deleted; its own trigger took its counts off
        end if;
      end loop;
      return null;
    end $$`,
    sql`create function tracking_suffix(is_excluded boolean) returns text language sql immutable as $$
      select case when is_excluded then ':x' else '' end
    $$`,

    sql`create function tracking_invitation_updated() returns trigger language plpgsql as $$
    declare
      old_key text := tracking_invitation_key(old.status, old.invited_at, old.excluded_at, old.bounced_at, old.opted_out_at, old.opened_at, old.erased_at);
      new_key text := tracking_invitation_key(new.status, new.invited_at, new.excluded_at, new.bounced_at, new.opted_out_at, new.opened_at, new.erased_at);
      old_day text := tracking_day_key(old.status, old.completed_at, old.excluded_at);
      new_day text := tracking_day_key(new.status, new.completed_at, new.excluded_at);
      moved boolean := old.round_id <> new.round_id or old.swv_id <> new.swv_id;
      now_excluded boolean := new.excluded_at is not null;
      state tracking_invitations;
    begin
      if moved or old_key <> new_key then
        insert into tracking_deltas values
          (old.round_id, old.swv_id, 'invitation', old_key, -1),
          (new.round_id, new.swv_id, 'invitation', new_key, 1);
      end if;
      if moved or old_day is distinct from new_day then
        if old_day is not null then
          insert into tracking_deltas values (old.round_id, old.swv_id, 'day', old_day, -1);
        end if;
        if new_day is not null then
          insert into tracking_deltas values (new.round_id, new.swv_id, 'day', new_day, 1);
        end if;
      end if;
      if moved or (old.excluded_at is null) <> (new.excluded_at is null) then
        -- Its response and deliveries go where the invitation goes.
        state := tracking_lock_invitation(new.id);
        if state.invitation_id is not null
           and (state.round_id <> new.round_id or state.swv_id <> new.swv_id or state.is_excluded <> now_excluded) then
          if state.sent > 0 then
            insert into tracking_deltas values
              (state.round_id, state.swv_id, 'delivery', 'sent' || tracking_suffix(state.is_excluded), -1),
              (new.round_id, new.swv_id, 'delivery', 'sent' || tracking_suffix(now_excluded), 1);
          end if;
          if state.branch_key is not null then
            insert into tracking_deltas values
              (state.round_id, state.swv_id, 'response', state.branch_key || tracking_suffix(state.is_excluded), -1),
              (new.round_id, new.swv_id, 'response', state.branch_key || tracking_suffix(now_excluded), 1);
          end if;
          update tracking_invitations set round_id = new.round_id, swv_id = new.swv_id, is_excluded = now_excluded
            where invitation_id = new.id;
          perform pg_notify('meetronde_round_changes', state.round_id::text);
        end if;
      end if;
      if moved then
        perform pg_notify('meetronde_round_changes', old.round_id::text);
      end if;
      perform pg_notify('meetronde_round_changes', new.round_id::text);
      return null;
    end $$`,
    sql`create trigger tracking_invitations_update after update on invitations for each row
      when (
        old.status is distinct from new.status
        or (old.invited_at is null) <> (new.invited_at is null)
        or (old.excluded_at is null) <> (new.excluded_at is null)
        or (old.bounced_at is null) <> (new.bounced_at is null)
        or (old.opted_out_at is null) <> (new.opted_out_at is null)
        or (old.opened_at is null) <> (new.opened_at is null)
        or (old.erased_at is null) <> (new.erased_at is null)
        or old.completed_at is distinct from new.completed_at
        or old.round_id <> new.round_id
        or old.swv_id <> new.swv_id
      ) execute function tracking_invitation_updated()`,

    // BEFORE DELETE: the invitation's response and messages are deleted by cascade after this
    // row is gone, when their triggers can no longer find it; so take everything off here.
    sql`create function tracking_invitation_deleting() returns trigger language plpgsql as $$
    declare
      day_key text := tracking_day_key(old.status, old.completed_at, old.excluded_at);
      state tracking_invitations;
    begin
      insert into tracking_deltas values (old.round_id, old.swv_id, 'invitation',
        tracking_invitation_key(old.status, old.invited_at, old.excluded_at, old.bounced_at, old.opted_out_at, old.opened_at, old.erased_at), -1);
      if day_key is not null then
        insert into tracking_deltas values (old.round_id, old.swv_id, 'day', day_key, -1);
      end if;
      delete from tracking_invitations where invitation_id = old.id returning * into state;
      if found then
        if state.sent > 0 then
          insert into tracking_deltas values (state.round_id, state.swv_id, 'delivery', 'sent' || tracking_suffix(state.is_excluded), -1);
        end if;
        if state.branch_key is not null then
          insert into tracking_deltas values (state.round_id, state.swv_id, 'response', state.branch_key || tracking_suffix(state.is_excluded), -1);
        end if;
      end if;
      perform pg_notify('meetronde_round_changes', old.round_id::text);
      return old;
    end $$`,
    sql`create trigger tracking_invitations_delete before delete on invitations for each row
      execute function tracking_invitation_deleting()`,

    // responses: only completion and the branch of a completed response count (Tabel 3).
    sql`create function tracking_set_branch(p_invitation int, p_key text) returns void language plpgsql as $$
    declare
      state tracking_invitations := tracking_lock_invitation(p_invitation);
    begin
      if state.invitation_id is null or state.branch_key is not distinct from p_key then
        return;
      end if;
      if state.branch_key is not null then
        insert into tracking_deltas values (state.round_id, state.swv_id, 'response', state.branch_key || tracking_suffix(state.is_excluded), -1);
      end if;
      if p_key is not null then
        insert into tracking_deltas values (state.round_id, state.swv_id, 'response', p_key || tracking_suffix(state.is_excluded), 1);
      end if;
      update tracking_invitations set branch_key = p_key where invitation_id = p_invitation;
      perform pg_notify('meetronde_round_changes', state.round_id::text);
    end $$`,
    sql`create function tracking_response_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        perform tracking_set_branch(old.invitation_id, null);
      elsif tg_op = 'UPDATE' and old.invitation_id <> new.invitation_id then
        perform tracking_set_branch(old.invitation_id, null);
      end if;
      if tg_op <> 'DELETE' then
        perform tracking_set_branch(new.invitation_id,
          case when new.completed_at is null then null else coalesce(new.branch, '') end);
      end if;
      return null;
    end $$`,
    sql`create trigger tracking_responses_insert after insert on responses for each row
      when (new.completed_at is not null) execute function tracking_response_changed()`,
    sql`create trigger tracking_responses_update after update on responses for each row
      when (
        (old.completed_at is null) <> (new.completed_at is null)
        or (new.completed_at is not null and old.branch is distinct from new.branch)
        or old.invitation_id <> new.invitation_id
      ) execute function tracking_response_changed()`,
    sql`create trigger tracking_responses_delete after delete on responses for each row
      when (old.completed_at is not null) execute function tracking_response_changed()`,

    // outbox_messages: a school counts as delivered while at least one of its messages is 'sent'.
    // One upsert per sent (or unsent) message: it locks the invitation's side row and adds to
    // its count, seeing the latest committed count (so concurrent messages add up).
    sql`create function tracking_delivery_add(p_invitation int, p_delta int) returns void language plpgsql as $$
    declare
      after_count int;
      target_round int;
      target_swv int;
      target_excluded boolean;
    begin
      insert into tracking_invitations as t (invitation_id, round_id, swv_id, is_excluded, sent, branch_key)
        select id, round_id, swv_id, excluded_at is not null, p_delta, null from invitations where id = p_invitation
        on conflict (invitation_id) do update set sent = t.sent + excluded.sent
        returning t.sent, t.round_id, t.swv_id, t.is_excluded into after_count, target_round, target_swv, target_excluded;
      if not found then
        return; -- the invitation is being deleted; its own trigger took its counts off
      end if;
      if (after_count - p_delta > 0) = (after_count > 0) then
        return;
      end if;
      insert into tracking_deltas values (target_round, target_swv, 'delivery', 'sent' || tracking_suffix(target_excluded),
        case when after_count > 0 then 1 else -1 end);
      perform pg_notify('meetronde_round_changes', target_round::text);
    end $$`,
    sql`create function tracking_outbox_changed() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' and old.status = 'sent' and old.invitation_id is not null then
        perform tracking_delivery_add(old.invitation_id, -1);
      end if;
      if tg_op <> 'DELETE' and new.status = 'sent' and new.invitation_id is not null then
        perform tracking_delivery_add(new.invitation_id, 1);
      end if;
      return null;
    end $$`,
    sql`create trigger tracking_outbox_insert after insert on outbox_messages for each row
      when (new.status = 'sent') execute function tracking_outbox_changed()`,
    sql`create trigger tracking_outbox_update after update on outbox_messages for each row
      when (
        (old.status = 'sent') <> (new.status = 'sent')
        or (new.status = 'sent' and old.invitation_id is distinct from new.invitation_id)
      ) execute function tracking_outbox_changed()`,
    sql`create trigger tracking_outbox_delete after delete on outbox_messages for each row
      when (old.status = 'sent') execute function tracking_outbox_changed()`,

    // Changes the dashboard shows but does not count: mailings (marked on the chart), the
    // round's SWVs, letters and situations, the round itself (name, target).
    sql`create function tracking_notify_round() returns trigger language plpgsql as $$
    begin
      if tg_op <> 'INSERT' then
        perform pg_notify('meetronde_round_changes', to_jsonb(old) ->> tg_argv[0]);
      end if;
      if tg_op <> 'DELETE' then
        perform pg_notify('meetronde_round_changes', to_jsonb(new) ->> tg_argv[0]);
      end if;
      return null;
    end $$`,
    sql`create trigger tracking_mailings_notify after insert or update or delete on mailings
      for each row execute function tracking_notify_round('round_id')`,
    sql`create trigger tracking_round_swvs_notify after insert or update or delete on round_swvs
      for each row execute function tracking_notify_round('round_id')`,
    sql`create trigger tracking_rounds_notify after update on rounds
      for each row execute function tracking_notify_round('id')`,
    // Revoking a link must end its open streams on every instance (using one only touches last_used_at).
    sql`create trigger tracking_swv_view_links_notify after update on swv_view_links for each row
      when (old.revoked_at is distinct from new.revoked_at) execute function tracking_notify_round('round_id')`,
    sql`create trigger tracking_swv_view_links_delete after delete on swv_view_links
      for each row execute function tracking_notify_round('round_id')`,

    // A deleted round takes its summary along (its invitations' triggers have just added deltas).
    sql`create function tracking_rounds_deleted() returns trigger language plpgsql as $$
    begin
      delete from tracking_deltas where round_id in (select id from old_rows);
      delete from tracking_counts where round_id in (select id from old_rows);
      delete from tracking_invitations where round_id in (select id from old_rows);
      return null;
    end $$`,
    sql`create trigger tracking_rounds_delete after delete on rounds
      referencing old table as old_rows for each statement execute function tracking_rounds_deleted()`,

    // Recounts one round from the core tables. Used to fill the summary for data that existed
    // before this migration, and after bulk loads done with triggers disabled (bench/).
    sql`create function tracking_rebuild(p_round int) returns void language plpgsql as $$
    begin
      lock table invitations, responses, outbox_messages in share mode;
      delete from tracking_deltas where round_id = p_round;
      delete from tracking_counts where round_id = p_round;
      delete from tracking_invitations where round_id = p_round;
      -- Two plain joins (no correlated aggregate), so a stale row estimate cannot make it quadratic.
      insert into tracking_invitations (invitation_id, round_id, swv_id, is_excluded, sent, branch_key)
        select i.id, i.round_id, i.swv_id, i.excluded_at is not null, count(*), null
        from invitations i join outbox_messages m on m.invitation_id = i.id
        where i.round_id = p_round and m.status = 'sent'
        group by i.id;
      insert into tracking_invitations (invitation_id, round_id, swv_id, is_excluded, sent, branch_key)
        select i.id, i.round_id, i.swv_id, i.excluded_at is not null, 0, coalesce(r.branch, '')
        from invitations i join responses r on r.invitation_id = i.id
        where i.round_id = p_round and r.completed_at is not null
        on conflict (invitation_id) do update set branch_key = excluded.branch_key;
      insert into tracking_counts (round_id, swv_id, facet, key, n)
        select round_id, swv_id, 'invitation',
               tracking_invitation_key(status, invited_at, excluded_at, bounced_at, opted_out_at, opened_at, erased_at), count(*)
        from invitations where round_id = p_round group by 1, 2, 4
        union all
        select round_id, swv_id, 'day', tracking_day_key(status, completed_at, excluded_at), count(*)
        from invitations where round_id = p_round and status = 'completed' group by 1, 2, 4
        union all
        select round_id, swv_id, 'response', branch_key || tracking_suffix(is_excluded), count(*)
        from tracking_invitations where round_id = p_round and branch_key is not null group by 1, 2, 4
        union all
        select round_id, swv_id, 'delivery', 'sent' || tracking_suffix(is_excluded), count(*)
        from tracking_invitations where round_id = p_round and sent > 0 group by 1, 2, 4;
      perform pg_notify('meetronde_round_changes', p_round::text);
    end $$`,
    sql`select tracking_rebuild(id) from rounds`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  const statements = [
    sql`drop trigger if exists tracking_invitations_insert on invitations`,
    sql`drop trigger if exists tracking_invitations_update on invitations`,
    sql`drop trigger if exists tracking_invitations_delete on invitations`,
    sql`drop trigger if exists tracking_responses_insert on responses`,
    sql`drop trigger if exists tracking_responses_update on responses`,
    sql`drop trigger if exists tracking_responses_delete on responses`,
    sql`drop trigger if exists tracking_outbox_insert on outbox_messages`,
    sql`drop trigger if exists tracking_outbox_update on outbox_messages`,
    sql`drop trigger if exists tracking_outbox_delete on outbox_messages`,
    sql`drop trigger if exists tracking_mailings_notify on mailings`,
    sql`drop trigger if exists tracking_round_swvs_notify on round_swvs`,
    sql`drop trigger if exists tracking_rounds_notify on rounds`,
    sql`drop trigger if exists tracking_rounds_delete on rounds`,
    sql`drop table if exists swv_view_links, tracking_deltas, tracking_counts`,
    sql`drop function if exists tracking_rebuild(int), tracking_rounds_deleted(), tracking_notify_round(),
      tracking_outbox_changed(), tracking_delivery_add(int, int), tracking_response_changed(),
      tracking_set_branch(int, text), tracking_invitation_deleting(), tracking_invitation_updated(),
      tracking_lock_invitation(int), tracking_suffix(boolean), tracking_invitations_inserted(),
      tracking_day_key(text, timestamptz, timestamptz),
      tracking_invitation_key(text, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz)`,
    sql`drop table if exists tracking_invitations`,
    sql`drop index if exists invitations_round_swv_activity_idx`,
  ];
  for (const statement of statements) await statement.execute(db);
}
