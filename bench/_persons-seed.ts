import { sql, type Kysely } from 'kysely';
import type { DB } from '../server/db/types';

/**
 * Seeds two measurements of a pupil panel by bulk SQL (generate_series), not through the app, for
 * bench/persons-scale.ts and bench/_persons-explain.ts: `schools` schools of 10 classes of 30 in
 * each measurement; in measurement 2, 80% of the pupils come back with their panel id (and code),
 * 20% are new. Every pupil of measurement 1 completed; in measurement 2 the parents of 2% objected
 * (an objection event, not started), the rest completed. Every pupil who started has the assent
 * event the pupil page records, so the consent events are as many as the persons (as in a real
 * round). Measurement 2 is open (class links work), measurement 1 closed.
 */
export async function seedPanel(db: Kysely<DB>, schools: number): Promise<{ r1: number; r2: number }> {
  const content = {
    title: 'Leerlingen',
    meetronde: { key: 'leerlingen', version: '1', variables: [], consent: { question: 'meedoen', yes: 'ja', no: 'nee' } },
    pages: [
      {
        name: 'p1',
        elements: [
          { type: 'radiogroup', name: 'plezier', title: 'Ga je graag naar school?', choices: [1, 2, 3] },
          { type: 'radiogroup', name: 'vrienden', title: 'Heb je vrienden in de klas?', choices: [1, 2] },
          { type: 'comment', name: 'waarom', title: 'Waarom?', visibleIf: '{plezier} = 3' },
        ],
      },
    ],
  };
  await sql`insert into studies (name, slug) values ('Bench', 'bench')`.execute(db);
  await sql`insert into questionnaire_versions (questionnaire_key, version, title, content, sha256) values ('leerlingen', '1', 'Leerlingen', ${JSON.stringify(content)}::jsonb, 'bench-persons')`.execute(db);
  await sql`insert into rounds (study_id, name, questionnaire_version_id, status, unit_type)
    select s.id, m.name, v.id, m.status, 'person' from studies s, questionnaire_versions v,
    (values ('Meting 1', 'closed', 1), ('Meting 2', 'open', 2)) as m(name, status, n) order by m.n`.execute(db);
  await sql`insert into person_rounds (round_id, consent_mode, roles, previous_round_id, created_at, updated_at)
    select id, 'passive', '["pupil"]', lag(id) over (order by id), now(), now() from rounds`.execute(db);
  await sql`insert into swvs (code, name, sector) values ('PO2001', 'SWV 1', 'po')`.execute(db);
  await sql`insert into round_swvs (round_id, swv_id, situation, region_letter) select r.id, w.id, 'po-vo', 'A' from rounds r, swvs w`.execute(db);
  await sql`insert into schools (location_code, brin, name, kind, street, house_number, postcode, city)
    select lpad(g::text, 6, '0'), lpad((g / 100)::text, 4, '0'), 'School ' || g, 'po', 'Straat', g::text, '1234 AB', 'PLAATS' from generate_series(1, ${schools}) g`.execute(db);
  await sql`insert into invitations (round_id, school_id, swv_id, token_nonce, token_hash, status)
    select r.id, s.id, (select id from swvs), 'n' || r.id || '-' || s.id, 'h' || r.id || '-' || s.id, 'started' from rounds r, schools s`.execute(db);
  await sql`insert into person_sites (round_id, invitation_id, participation, created_at) select round_id, id, 'yes', now() from invitations`.execute(db);
  await sql`insert into person_classes (round_id, site_id, label, grade, pupils, link_nonce, created_at)
    select s.round_id, s.id, 'K' || g, 'g6', 30, md5(s.id || '-' || g), now() from person_sites s, generate_series(1, 10) g`.execute(db);
  const [r1, r2] = (await db.selectFrom('rounds').select('id').orderBy('id').execute()).map((r) => r.id);
  await sql`insert into persons (round_id, site_id, class_id, role, panel_id, seq, code_nonce, code_hash, status, started_at, completed_at, created_at)
    select c.round_id, c.site_id, c.id, 'pupil', gen_random_uuid(), g, md5('n' || c.id || '-' || g), md5('h' || c.id || '-' || g), 'completed', now(), now(), now()
    from person_classes c, generate_series(1, 30) g where c.round_id = ${r1}`.execute(db);
  // Round 2: the same school and class label; 80% keep their panel id (and code), 20% are new; 2% objected.
  await sql`insert into persons (round_id, site_id, class_id, role, panel_id, seq, code_nonce, code_hash, previous_person_id, status, started_at, completed_at, created_at)
    select c2.round_id, c2.site_id, c2.id, 'pupil', case when p.id % 5 = 0 then gen_random_uuid() else p.panel_id end, p.seq, p.code_nonce,
      case when p.id % 5 = 0 then md5('new' || p.id) else p.code_hash end, case when p.id % 5 = 0 then null else p.id end,
      case when p.id % 50 = 7 then 'issued' else 'completed' end, case when p.id % 50 = 7 then null else now() end, case when p.id % 50 = 7 then null else now() end, now()
    from persons p
    join person_classes c1 on c1.id = p.class_id
    join person_sites s1 on s1.id = c1.site_id
    join invitations i1 on i1.id = s1.invitation_id
    join invitations i2 on i2.school_id = i1.school_id and i2.round_id = ${r2}
    join person_sites s2 on s2.invitation_id = i2.id
    join person_classes c2 on c2.site_id = s2.id and c2.label = c1.label
    where p.round_id = ${r1}`.execute(db);
  await sql`insert into consent_events (round_id, class_id, person_id, kind, source, at)
    select round_id, class_id, id, case when status = 'completed' then 'assent' else 'objection' end, case when status = 'completed' then 'pupil' else 'parent_online' end, now()
    from persons`.execute(db);
  await sql`insert into person_responses (person_id, data, revision, created_at, updated_at, completed_at)
    select id, jsonb_build_object('plezier', 1 + id % 3, 'vrienden', 1 + id % 2) || case when id % 3 = 2 then '{"waarom": "te vroeg"}'::jsonb else '{}'::jsonb end, 1, now(), now(), now()
    from persons where status = 'completed'`.execute(db);
  await sql`vacuum analyze`.execute(db);
  return { r1: r1!, r2: r2! };
}
