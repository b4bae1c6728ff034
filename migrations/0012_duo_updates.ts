import { sql, type Kysely } from 'kysely';

/**
 * DUO lists that stay right year after year (issue 25).
 *
 * - Invitations keep the school as it was when it was invited: location code, BRIN, name, kind,
 *   city, province, denominatie and pupil count are copied onto the invitation (with the address) when it is
 *   inserted (a BEFORE INSERT trigger, so every way of inviting does it), and existing
 *   invitations get today's values. Exports, tracking and analysis read these columns, so a later
 *   DUO import (a merger, a move, a location code DUO gave to a new school) never relabels an old
 *   answer. The retention purge empties the identifying ones (code, BRIN, name, address).
 * - Schools get DUO's pupil count per location (a range: DUO masks small counts as "<5") and its
 *   reference date.
 * - A location code DUO gave to another school: when the admin says it is a new school, the old
 *   row is retired (inactive, `retired_at`, its code moved to `former_location_code` and the code
 *   column to `<code>#<id>`), so the new school gets a row of its own and the old invitations keep
 *   pointing at the old school.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table schools
    add column pupils_min int check (pupils_min >= 0),
    add column pupils_max int check (pupils_max >= pupils_min),
    add column pupils_reference text,
    add column retired_at timestamptz,
    add column former_location_code text`.execute(db);
  await sql`alter table schools drop constraint if exists schools_location_code_check`.execute(db);
  await sql`alter table schools add constraint schools_location_code_check check (
    location_code ~ '^[0-9A-Z]{4}[0-9]{2}$'
    or (retired_at is not null and location_code ~ '^[0-9A-Z]{4}[0-9]{2}#[0-9]+$')
  )`.execute(db);

  await sql`alter table invitations
    add column school_location_code text,
    add column school_brin text,
    add column school_name text,
    add column school_kind text,
    add column school_street text,
    add column school_house_number text,
    add column school_postcode text,
    add column school_city text,
    add column school_province text,
    add column school_denomination text,
    add column school_pupils_min int,
    add column school_pupils_max int`.execute(db);
  await sql`update invitations i set
      school_location_code = s.location_code, school_brin = s.brin, school_name = s.name, school_kind = s.kind,
      school_street = s.street, school_house_number = s.house_number, school_postcode = s.postcode,
      school_city = s.city, school_province = s.province, school_denomination = s.denomination
    from schools s where s.id = i.school_id`.execute(db);
  await sql`create function invitations_freeze_school() returns trigger language plpgsql as $$
    begin
      if new.school_id is not null and new.school_name is null then
        select s.location_code, s.brin, s.name, s.kind, s.street, s.house_number, s.postcode, s.city, s.province, s.denomination,
               s.pupils_min, s.pupils_max
          into new.school_location_code, new.school_brin, new.school_name, new.school_kind,
               new.school_street, new.school_house_number, new.school_postcode, new.school_city,
               new.school_province, new.school_denomination, new.school_pupils_min, new.school_pupils_max
          from schools s where s.id = new.school_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger invitations_freeze_school before insert on invitations
    for each row execute function invitations_freeze_school()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists invitations_freeze_school on invitations`.execute(db);
  await sql`drop function if exists invitations_freeze_school()`.execute(db);
  await sql`alter table invitations
    drop column if exists school_location_code, drop column if exists school_brin, drop column if exists school_name,
    drop column if exists school_kind, drop column if exists school_street, drop column if exists school_house_number,
    drop column if exists school_postcode, drop column if exists school_city, drop column if exists school_province,
    drop column if exists school_denomination, drop column if exists school_pupils_min, drop column if exists school_pupils_max`.execute(db);
  await sql`alter table schools drop constraint if exists schools_location_code_check`.execute(db);
  await sql`alter table schools add constraint schools_location_code_check check (location_code ~ '^[0-9A-Z]{4}[0-9]{2}$')`.execute(db);
  await sql`alter table schools
    drop column if exists pupils_min, drop column if exists pupils_max, drop column if exists pupils_reference,
    drop column if exists retired_at, drop column if exists former_location_code`.execute(db);
}
