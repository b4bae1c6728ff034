import { sql, type Kysely } from 'kysely';

/**
 * Completions without a NOTIFY in their transaction (issue 21).
 *
 * Every transaction that queued a NOTIFY takes one cluster-wide lock at commit and holds it
 * through its WAL flush, so concurrent completions committed one after the other (bench/RESULTS.md:
 * the completion statements waited on `Lock:object` most of the time under load, where the bare
 * INSERT's commits are flushed in groups). The dashboard needs to hear of a burst of completions
 * once, not once per completion.
 *
 * So the two tracking trigger functions a respondent's writes fire (the invitation's status and
 * the response's branch) now notify through `tracking_notify(round)`, which skips the NOTIFY when
 * the transaction set `meetronde.notify_later` to `on`: the writer takes over and notifies after
 * its commit, coalesced per round (server/tracking/notify-later.ts; the completion statement in
 * server/responses/survey-state.ts sets it). Every other writer is unchanged: without the setting
 * the triggers notify as before. The counts are kept exactly as before; only who notifies moves.
 * The bodies are those of migration 0007 with the notify call replaced.
 */

const notifyLater = (round: string) => `perform tracking_notify(${round});`;
const notifyNow = (round: string) => `perform pg_notify('meetronde_round_changes', ${round}::text);`;

function invitationUpdated(notify: (round: string) => string) {
  return sql.raw(`create or replace function tracking_invitation_updated() returns trigger language plpgsql as $$
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
          ${notify('state.round_id')}
        end if;
      end if;
      if moved then
        ${notify('old.round_id')}
      end if;
      ${notify('new.round_id')}
      return null;
    end $$`);
}

function setBranch(notify: (round: string) => string) {
  return sql.raw(`create or replace function tracking_set_branch(p_invitation int, p_key text) returns void language plpgsql as $$
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
      ${notify('state.round_id')}
    end $$`);
}

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create function tracking_notify(p_round int) returns void language plpgsql as $$
    begin
      -- The writer notifies after its commit (see above); current_setting(…, true) is null when never set.
      if current_setting('meetronde.notify_later', true) = 'on' then
        return;
      end if;
      perform pg_notify('meetronde_round_changes', p_round::text);
    end $$`.execute(db);
  await invitationUpdated(notifyLater).execute(db);
  await setBranch(notifyLater).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await invitationUpdated(notifyNow).execute(db);
  await setBranch(notifyNow).execute(db);
  await sql`drop function tracking_notify(int)`.execute(db);
}
