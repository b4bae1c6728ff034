import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import { schoolsApi } from '../../contract/api/schools';
import type { AreaDeps } from '../area';
import { currentUser } from '../auth/plugin';
import { badRequest, notFound } from '../errors';
import { UPLOAD_BODY_LIMIT } from '../limits';
import type { AddressFollowers } from './address-followers';
import { checkEmail, EMAIL_SOURCE_LABELS, type EmailSource } from './email';
import { acceptEmailCorrections, correctSchoolEmail, MAX_CORRECTIONS } from './corrections';
import { IMPORT_TYPE_LABELS, IMPORT_TYPES, runImport } from './import';
import type { ReuseDecision } from './import-types';
import { readUpload, registerUploads } from './upload';

function splitCodes(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
}

/**
 * Address lists: DUO imports (upload → dry run → confirm), the schools and SWVs as imported, and
 * the admin's address corrections.
 */
/** The schools area's routes; `addresses`: how the areas built on schools follow an address change. */
export const schoolsRoutes: FastifyPluginAsyncTypebox<AreaDeps & { addresses: AddressFollowers }> = async (app, { db, clock, addresses }) => {
  await registerUploads(app);

  app.get('/api/imports/types', { config: { access: 'admin' }, schema: schoolsApi['GET /api/imports/types'] }, async () =>
    IMPORT_TYPES.map((type) => ({ type, label: IMPORT_TYPE_LABELS[type] })),
  );

  app.post(
    '/api/imports',
    {
      config: { access: 'admin' },
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: schoolsApi['POST /api/imports'],
    },
    async (request) => {
      const user = currentUser(request);
      const upload = await readUpload(request);
      const { type = 'auto', dryRun = true, fingerprint, sameSchool, newSchool } = request.query;
      const reuseDecisions = new Map<string, ReuseDecision>();
      for (const code of splitCodes(sameSchool)) reuseDecisions.set(code, 'same');
      for (const code of splitCodes(newSchool)) {
        if (reuseDecisions.has(code)) throw badRequest('reuse_both', `Vestigingscode ${code} staat zowel bij "dezelfde school" als bij "nieuwe school". Kies één.`);
        reuseDecisions.set(code, 'new');
      }
      const input = { bytes: upload.bytes, fileName: upload.fileName, type };
      const options = { dryRun, now: clock.now(), actor: { id: user.id, email: user.email }, expectFingerprint: fingerprint, reuseDecisions, followAddresses: addresses.follow };
      // A dry run only reads; a real import writes everything or nothing, in one transaction.
      return dryRun ? runImport(db, input, options) : db.transaction().execute((trx) => runImport(trx, input, options));
    },
  );

  app.post(
    '/api/imports/email-corrections',
    {
      config: { access: 'admin' },
      schema: schoolsApi['POST /api/imports/email-corrections'],
    },
    async (request) => {
      const user = currentUser(request);
      return db.transaction().execute((trx) => acceptEmailCorrections(trx, request.body.corrections, clock.now(), { id: user.id, email: user.email }, addresses.follow));
    },
  );

  app.get(
    '/api/schools',
    {
      config: { access: 'researcher' },
      schema: schoolsApi['GET /api/schools'],
    },
    async (request) => {
      const { q, swv, filter = 'all', limit = 50, offset = 0 } = request.query;
      let query = db.selectFrom('schools');
      if (q && q.trim()) {
        const term = `%${q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query = query.where((eb) => eb.or([eb('name', 'ilike', term), eb('location_code', 'ilike', term), eb('city', 'ilike', term)]));
      }
      if (swv) {
        query = query.where('id', 'in', (eb) =>
          eb.selectFrom('school_swvs').innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id').select('school_swvs.school_id').where('swvs.code', '=', swv.toUpperCase()),
        );
      }
      if (filter === 'inactive') query = query.where('active', '=', false);
      else query = query.where('active', '=', true);
      if (filter === 'no-email') query = query.where('email', 'is', null);
      if (filter === 'admin-email') query = query.where('email_source', '=', 'admin');
      const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const rows = await query
        .select(['id', 'location_code', 'name', 'kind', 'city', 'email', 'email_source', 'active'])
        .select(() =>
          sql<string[]>`coalesce((select array_agg(swvs.code order by swvs.code) from school_swvs join swvs on swvs.id = school_swvs.swv_id where school_swvs.school_id = schools.id), '{}')`.as('swvs'),
        )
        .orderBy('location_code')
        .limit(limit)
        .offset(offset)
        .execute();
      const schools = rows.map((r) => ({
        id: r.id,
        locationCode: r.location_code,
        name: r.name,
        kind: r.kind,
        city: r.city,
        email: r.email,
        emailSource: r.email_source,
        emailSourceLabel: r.email_source ? (EMAIL_SOURCE_LABELS[r.email_source as EmailSource] ?? r.email_source) : null,
        emailUsable: r.email !== null && checkEmail(r.email).ok,
        active: r.active,
        swvs: r.swvs,
      }));
      return { total: total.n, schools };
    },
  );

  app.put(
    '/api/schools/:id/email',
    {
      config: { access: 'admin' },
      schema: schoolsApi['PUT /api/schools/:id/email'],
    },
    async (request) => {
      const user = currentUser(request);
      return db.transaction().execute(async (trx) => {
        const result = await correctSchoolEmail(trx, request.params.id, request.body.email, clock.now(), { id: user.id, email: user.email }, addresses.follow);
        // A school that never got its invitation (no address, or it bounced) gets it now.
        await addresses.corrected(trx, request.params.id, clock.now(), user.id);
        return result;
      });
    },
  );

  app.get('/api/swvs', { config: { access: 'researcher' }, schema: schoolsApi['GET /api/swvs'] }, async () => {
    const rows = await db
      .selectFrom('swvs')
      .select(['id', 'code', 'name', 'sector', 'city', 'province', 'active'])
      .select((eb) =>
        eb
          .selectFrom('school_swvs')
          .innerJoin('schools', 'schools.id', 'school_swvs.school_id')
          .select((e) => e.fn.countAll<number>().as('n'))
          .whereRef('school_swvs.swv_id', '=', 'swvs.id')
          .where('schools.active', '=', true)
          .as('schools'),
      )
      .orderBy('code')
      .execute();
    return rows.map((r) => ({ ...r, schools: Number(r.schools ?? 0) }));
  });

  app.get('/api/schools/:id', { config: { access: 'researcher' }, schema: schoolsApi['GET /api/schools/:id'] }, async (request) => {
    const school = await db.selectFrom('schools').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!school) throw notFound('Deze school bestaat niet.');
    const swvs = await db
      .selectFrom('school_swvs')
      .innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id')
      .select(['swvs.code', 'swvs.name'])
      .where('school_swvs.school_id', '=', school.id)
      .execute();
    return {
      ...school,
      retired_at: school.retired_at?.toISOString() ?? null,
      created_at: school.created_at.toISOString(),
      updated_at: school.updated_at.toISOString(),
      swvs,
    };
  });
};
