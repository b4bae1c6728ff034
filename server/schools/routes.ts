import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
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

const ImportTypeSchema = Type.Enum([...IMPORT_TYPES, 'auto'] as const);
const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const CODE_LIST = '^[0-9A-Za-z, ]*$';

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

  app.get('/api/imports/types', { config: { access: 'admin' } }, async () =>
    IMPORT_TYPES.map((type) => ({ type, label: IMPORT_TYPE_LABELS[type] })),
  );

  app.post(
    '/api/imports',
    {
      config: { access: 'admin' },
      bodyLimit: UPLOAD_BODY_LIMIT,
      schema: {
        querystring: Type.Object({
          type: Type.Optional(ImportTypeSchema),
          dryRun: Type.Optional(Type.Boolean()),
          fingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
          /** Reused location codes (comma-separated) the admin says are the same school, or a new one. */
          sameSchool: Type.Optional(Type.String({ maxLength: 20_000, pattern: CODE_LIST })),
          newSchool: Type.Optional(Type.String({ maxLength: 20_000, pattern: CODE_LIST })),
        }),
      },
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
      return runImport(
        db,
        { bytes: upload.bytes, fileName: upload.fileName, type },
        { dryRun, now: clock.now(), actor: { id: user.id, email: user.email }, expectFingerprint: fingerprint, reuseDecisions, followAddresses: addresses.follow },
      );
    },
  );

  app.post(
    '/api/imports/email-corrections',
    {
      config: { access: 'admin' },
      schema: {
        body: Type.Object({
          corrections: Type.Array(
            Type.Object({ locationCode: Type.String({ minLength: 1, maxLength: 12 }), email: Type.String({ minLength: 1, maxLength: 254 }) }),
            { maxItems: MAX_CORRECTIONS },
          ),
        }),
      },
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
      schema: {
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 100 })),
          swv: Type.Optional(Type.String({ maxLength: 12 })),
          filter: Type.Optional(Type.Enum(['all', 'inactive', 'no-email', 'admin-email'] as const)),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
        }),
      },
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
      schema: {
        params: Type.Object({ id: Id }),
        body: Type.Object({ email: Type.Union([Type.String({ maxLength: 254 }), Type.Null()]) }),
      },
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

  app.get('/api/swvs', { config: { access: 'researcher' } }, async () => {
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

  app.get('/api/schools/:id', { config: { access: 'researcher' }, schema: { params: Type.Object({ id: Id }) } }, async (request) => {
    const school = await db.selectFrom('schools').selectAll().where('id', '=', request.params.id).executeTakeFirst();
    if (!school) throw notFound('Deze school bestaat niet.');
    const swvs = await db
      .selectFrom('school_swvs')
      .innerJoin('swvs', 'swvs.id', 'school_swvs.swv_id')
      .select(['swvs.code', 'swvs.name'])
      .where('school_swvs.school_id', '=', school.id)
      .execute();
    return { ...school, swvs };
  });
};
