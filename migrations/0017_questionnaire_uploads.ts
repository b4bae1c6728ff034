import { sql, type Kysely } from 'kysely';

/**
 * Researchers add questionnaire versions from the admin app (issue 27). A stored version says
 * where it came from: `file` (a snapshot of a file in questionnaires/, made when a round picks
 * it) or `upload` (JSON a researcher uploaded or edited in the app), who saved it, and which
 * version it was edited from. Rows are immutable: a round pins a row's id, and its responses are
 * validated and exported against that content, so an UPDATE is refused by a trigger (a change is
 * a new row; only created_by may become null when the account is deleted). Who saved what and when is also in the audit log, with the sha256.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table questionnaire_versions
    add column source text not null default 'file' check (source in ('file', 'upload')),
    add column created_by int references users (id) on delete set null,
    add column based_on int references questionnaire_versions (id)`.execute(db);
  // Two researchers saving the same version number at once: one of them gets a new number.
  await sql`create unique index questionnaire_versions_upload_version on questionnaire_versions (questionnaire_key, version) where source = 'upload'`.execute(db);
  await sql`create function questionnaire_versions_immutable() returns trigger language plpgsql as $$
    begin
      -- Only forgetting who saved it (the account was deleted) is allowed.
      if (new.id, new.questionnaire_key, new.version, new.title, new.content, new.sha256, new.created_at, new.source, new.based_on)
         is distinct from (old.id, old.questionnaire_key, old.version, old.title, old.content, old.sha256, old.created_at, old.source, old.based_on)
         or new.created_by is not null and new.created_by is distinct from old.created_by then
        raise exception 'questionnaire_versions rows are immutable; save a new version instead';
      end if;
      return new;
    end
  $$`.execute(db);
  await sql`create trigger questionnaire_versions_immutable before update on questionnaire_versions
    for each row execute function questionnaire_versions_immutable()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists questionnaire_versions_immutable on questionnaire_versions`.execute(db);
  await sql`drop function if exists questionnaire_versions_immutable()`.execute(db);
  await sql`drop index if exists questionnaire_versions_upload_version`.execute(db);
  await sql`alter table questionnaire_versions drop column based_on, drop column created_by, drop column source`.execute(db);
}
