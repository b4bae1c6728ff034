import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { exportsApi as api } from '../../contract/api/exports';
import { sql } from 'kysely';
import type { AreaDeps } from '../area';
import { audit } from '../audit';
import { currentUser } from '../auth/plugin';
import { wallTime } from '../time';
import { codebookCsv, codebookHtml } from './codebook';
import { assignRespondentNumbers } from '../invitations/respondent-numbers';
import { measureFor, planExport } from './export';
import { isActorRound, planActorExport } from './actor-export';
import { checkExportFits, exportStream, FORMAT_INFO, type ExportFormat } from './formats';
import { figureSvg } from './figures';
import { reportHtml } from './report-html';
import { reportWorkbook, roundReport } from './report-tables';
import { notFound } from '../errors';

function dutchDay(date: Date): string {
  const w = wallTime(date);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** A file name without anything a header or file system would choke on. */
export function safeFileName(...parts: string[]): string {
  return parts
    .join('-')
    .normalize('NFKD')
    .replace(/[^\w.-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 120)
    .toLowerCase();
}

/** Research exports: responses (CSV, XLSX, SPSS), codebook and the report's tables. */
export const exportRoutes: FastifyPluginAsyncTypebox<AreaDeps> = async (app, { db, clock, config }) => {
  app.get('/api/exports/rounds', { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds'] }, async () => {
    const rounds = await db
      .selectFrom('rounds as r')
      .innerJoin('studies as s', 's.id', 'r.study_id')
      .leftJoin('invitations as i', 'i.round_id', 'r.id')
      .select([
        'r.id',
        'r.name',
        'r.status',
        's.name as study',
        sql<number>`count(i.id) filter (where i.status = 'completed')`.as('completed'),
        sql<number>`count(i.id) filter (where i.status = 'started')`.as('partial'),
        sql<boolean>`r.questionnaire_version_id is not null`.as('hasQuestionnaire'),
      ])
      .groupBy(['r.id', 's.name'])
      .orderBy('r.id', 'desc')
      .execute();
    return { rounds, formats: Object.entries(FORMAT_INFO).map(([id, info]) => ({ id, label: info.label })) };
  });

  app.get(
    '/api/exports/rounds/:roundId/responses',
    { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds/:roundId/responses'] },
    async (request, reply) => {
      const user = currentUser(request);
      const { roundId } = request.params;
      const format = request.query.format as ExportFormat;
      const options = { include: request.query.include ?? 'completed', identifiers: request.query.identifiers ?? false, situation: request.query.situation };
      await db.transaction().execute((trx) => assignRespondentNumbers(trx, roundId));
      // A person round with actor groups (issue 20): every group's version stacked, with an actor column.
      // Only what this format writes is measured before the first row (measureFor).
      const plan = (await isActorRound(db, roundId))
        ? await planActorExport(db, config.secret, roundId, { include: options.include })
        : await planExport(db, config.secret, roundId, { ...options, measure: measureFor(format) });
      checkExportFits(plan, format);
      await audit(db, user, clock.now(), options.identifiers ? 'export.responses_with_identifiers' : 'export.responses', `round:${roundId}`, {
        format,
        include: options.include,
        situation: options.situation ?? null,
        rows: plan.caseCount,
      });
      const info = FORMAT_INFO[format];
      // CSV and CSV for Dutch Excel share an extension: the name tells them apart. The date is the Dutch day.
      const name = safeFileName(
        'meetronde',
        plan.roundName,
        options.situation ?? '',
        options.identifiers ? 'met-identificatie' : '',
        format === 'csv-nl' ? 'excel-nl' : '',
        dutchDay(clock.now()),
      );
      reply
        .header('content-type', info.contentType)
        .header('content-disposition', `attachment; filename="${name}.${info.extension}"`)
        .header('cache-control', 'no-store');
      return reply.send(exportStream(plan, format, `${plan.roundName} (${plan.questionnaire})`));
    },
  );

  app.get(
    '/api/exports/rounds/:roundId/codebook',
    { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds/:roundId/codebook'] },
    async (request, reply) => {
      const plan = (await isActorRound(db, request.params.roundId))
        ? await planActorExport(db, config.secret, request.params.roundId, { include: 'all' })
        : await planExport(db, config.secret, request.params.roundId, {
            include: 'all',
            identifiers: false,
            situation: request.query.situation,
          });
      reply.header('cache-control', 'no-store');
      if (request.query.format === 'csv') {
        reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${safeFileName('codeboek', plan.roundName)}.csv"`);
        return codebookCsv(plan.variables, plan.consent, plan.previousRound);
      }
      reply.type('text/html; charset=utf-8');
      const pinned = await db.selectFrom('rounds').select('questionnaire_version_id').where('id', '=', request.params.roundId).executeTakeFirst();
      const printUrl = pinned?.questionnaire_version_id ? `/admin/vragenlijsten/v${pinned.questionnaire_version_id}/afdrukken${request.query.situation ? `?situatie=${request.query.situation}` : ''}` : null;
      return codebookHtml(`${plan.roundName} (${plan.questionnaire})`, plan.variables, plan.consent, plan.previousRound, printUrl);
    },
  );

  app.get('/api/exports/rounds/:roundId/report', { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds/:roundId/report'] }, async (request) =>
    roundReport(db, request.params.roundId, { alphaThreshold: request.query.alpha }),
  );

  app.get('/api/exports/rounds/:roundId/report.html', { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds/:roundId/report.html'] }, async (request, reply) => {
    const report = await roundReport(db, request.params.roundId, { alphaThreshold: request.query.alpha });
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return reportHtml(report);
  });

  app.get(
    '/api/exports/rounds/:roundId/figures/:figure',
    { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds/:roundId/figures/:figure'] },
    async (request, reply) => {
      const report = await roundReport(db, request.params.roundId, { alphaThreshold: request.query.alpha });
      const id = request.params.figure.replace(/\.svg$/, '');
      const figure = report.figures.find((f) => f.id === id);
      if (!figure) throw notFound('Deze figuur bestaat niet voor deze meting.');
      reply.type('image/svg+xml; charset=utf-8').header('cache-control', 'no-store');
      if (request.query.download) reply.header('content-disposition', `attachment; filename="${safeFileName(id, report.round.name)}.svg"`);
      return figureSvg(figure);
    },
  );

  app.get('/api/exports/rounds/:roundId/report.xlsx', { config: { access: 'researcher' }, schema: api['GET /api/exports/rounds/:roundId/report.xlsx'] }, async (request, reply) => {
    const report = await roundReport(db, request.params.roundId, { alphaThreshold: request.query.alpha });
    await audit(db, currentUser(request), clock.now(), 'export.report_tables', `round:${request.params.roundId}`, { tables: report.tables.length });
    reply
      .header('content-type', FORMAT_INFO.xlsx.contentType)
      .header('content-disposition', `attachment; filename="${safeFileName('tabellen', report.round.name)}.xlsx"`)
      .header('cache-control', 'no-store');
    return reportWorkbook(report);
  });
};
