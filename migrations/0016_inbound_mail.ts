import { sql, type Kysely } from 'kysely';

/**
 * Mail that comes back (server/inbound/): every inbound message processed once, with what it
 * was and what it did.
 *
 * - `inbound_messages.dedup_key` is unique: the message's Message-ID, or a hash of the raw
 *   message when it has none. The row is inserted in the same transaction as the message's
 *   effect (a bounce marking the invitation, a reply listed), so two instances polling the same
 *   mailbox, or the same DSN arriving over IMAP and SMTP, have one effect; a crash before the
 *   commit leaves the message unseen in the mailbox (IMAP) or unacknowledged (SMTP), to be
 *   processed again.
 * - Replies keep their text (the admin's "Berichten" page); bounces and auto-replies keep only
 *   their class, status code and subject. `from_address`, `from_name`, `subject` and
 *   `body_text` are contact data of a round's school: the retention purge and the erasure of
 *   a school's data delete its rows.
 * - `invitations.soft_bounces` counts temporary failures (4.x.x DSNs); at BOUNCE_SOFT_LIMIT the
 *   invitation is marked bounced. `bounce_status` is the last status code reported.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table inbound_messages (
    id int generated always as identity primary key,
    dedup_key text not null unique,
    channel text not null check (channel in ('imap', 'smtp')),
    source_ref text,
    received_at timestamptz not null,
    kind text not null check (kind in ('bounce', 'delivered', 'complaint', 'auto-reply', 'reply')),
    permanent boolean,
    status_code text,
    reason text not null,
    effect text not null,
    outbox_message_id int references outbox_messages (id) on delete set null,
    invitation_id int references invitations (id) on delete set null,
    round_id int references rounds (id) on delete cascade,
    school_id int references schools (id) on delete set null,
    from_address text,
    from_name text,
    subject text,
    body_text text,
    forwarded_outbox_id int references outbox_messages (id) on delete set null,
    handled_at timestamptz,
    handled_by int references users (id) on delete set null
  )`.execute(db);
  await sql`create index inbound_messages_kind_idx on inbound_messages (kind, received_at desc)`.execute(db);
  await sql`create index inbound_messages_round_idx on inbound_messages (round_id)`.execute(db);
  await sql`create index inbound_messages_invitation_idx on inbound_messages (invitation_id)`.execute(db);
  await sql`alter table invitations add column soft_bounces int not null default 0`.execute(db);
  await sql`alter table invitations add column bounce_status text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists inbound_messages`.execute(db);
  await sql`alter table invitations drop column if exists soft_bounces`.execute(db);
  await sql`alter table invitations drop column if exists bounce_status`.execute(db);
}
