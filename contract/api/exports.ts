/** Research exports: responses (CSV, XLSX, SPSS), codebook, and the report's tables and figures. */
import { Type, type Static } from 'typebox';
import { Nullable } from '../helpers';
import { defineApi } from '../http';
import { FileReply, Id } from '../schemas';
import { ROUND_STATUSES, SITUATIONS } from '../vocabulary';

export const CellFormat = Type.Enum(['count', 'pct', 'mean', 'sd', 'alpha', 'text']);
export type CellFormat = Static<typeof CellFormat>;

export const ReportCell = Type.Union([Type.Number(), Type.String(), Type.Null()]);
export type ReportCell = Static<typeof ReportCell>;

export const ReportRow = Type.Object({
  label: Type.String(),
  cells: Type.Array(ReportCell),
  /** The cells as printed (Dutch decimal comma, "niet gevraagd"). */
  display: Type.Array(Type.String()),
  total: Type.Optional(Type.Boolean()),
});
export type ReportRow = Static<typeof ReportRow>;

export const ReportTable = Type.Object({
  id: Type.String(),
  title: Type.String(),
  note: Type.Optional(Type.String()),
  head: Type.Array(Type.String()),
  /** Per cell column (head without the label column): how its numbers read. */
  formats: Type.Array(CellFormat),
  rows: Type.Array(ReportRow),
});
export type ReportTable = Static<typeof ReportTable>;

export const FigureSeries = Type.Object({
  name: Type.String(),
  /** One value per category; null leaves the bar out (not asked, not comparable, unreliable). */
  values: Type.Array(Nullable(Type.Number())),
});
export type FigureSeries = Static<typeof FigureSeries>;

export const ReportFigure = Type.Object({
  id: Type.String(),
  title: Type.String(),
  note: Type.Optional(Type.String()),
  /** stacked: each series is a segment of a 100% bar (one bar per category and measurement); grouped: bars side by side. */
  kind: Type.Enum(['stacked', 'grouped']),
  unit: Type.Enum(['%', 'gemiddelde']),
  min: Type.Number(),
  max: Type.Number(),
  categories: Type.Array(Type.String()),
  /** grouped: one entry per measurement. stacked: per measurement the segments. */
  measurements: Type.Array(Type.Object({ name: Type.String(), series: Type.Array(FigureSeries) })),
});
export type ReportFigure = Static<typeof ReportFigure>;

export const RoundReport = Type.Object({
  round: Type.Object({ id: Id, name: Type.String() }),
  previousRound: Nullable(Type.String()),
  completed: Type.Integer(),
  alphaThreshold: Type.Number(),
  tables: Type.Array(ReportTable),
  figures: Type.Array(ReportFigure),
});
export type RoundReport = Static<typeof RoundReport>;

export const ExportRound = Type.Object({
  id: Id,
  name: Type.String(),
  status: Type.Enum(ROUND_STATUSES),
  study: Type.String(),
  completed: Type.Integer(),
  partial: Type.Integer(),
  hasQuestionnaire: Type.Boolean(),
});
export type ExportRound = Static<typeof ExportRound>;

export const EXPORT_FORMATS = ['csv', 'csv-nl', 'xlsx', 'sav'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const RoundId = Type.Integer({ minimum: 1, maximum: 2147483647 });
const RoundParams = Type.Object({ roundId: RoundId });
/** The researcher's alpha threshold for the scales (default 0.6). */
const Alpha = Type.Optional(Type.Number({ minimum: 0, maximum: 1 }));
const ReportQuery = Type.Object({ alpha: Alpha });
const Situation = Type.Optional(Type.Enum(SITUATIONS));

export const exportsApi = defineApi({
  'GET /api/exports/rounds': {
    response: { 200: Type.Object({ rounds: Type.Array(ExportRound), formats: Type.Array(Type.Object({ id: Type.String(), label: Type.String() })) }) },
  },
  'GET /api/exports/rounds/:roundId/responses': {
    params: RoundParams,
    querystring: Type.Object({
      format: Type.Enum(EXPORT_FORMATS),
      include: Type.Optional(Type.Union([Type.Literal('completed'), Type.Literal('all')])),
      identifiers: Type.Optional(Type.Boolean()),
      situation: Situation,
    }),
    response: { 200: FileReply('text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/x-spss-sav') },
  },
  'GET /api/exports/rounds/:roundId/codebook': {
    params: RoundParams,
    querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('csv')])), situation: Situation }),
    response: { 200: FileReply('text/html, text/csv') },
  },
  'GET /api/exports/rounds/:roundId/report': { params: RoundParams, querystring: ReportQuery, response: { 200: RoundReport } },
  'GET /api/exports/rounds/:roundId/report.html': { params: RoundParams, querystring: ReportQuery, response: { 200: FileReply('text/html') } },
  'GET /api/exports/rounds/:roundId/figures/:figure': {
    params: Type.Object({ roundId: RoundId, figure: Type.String({ pattern: '^figuur-[A-Za-z0-9_-]{1,80}\\.svg$' }) }),
    querystring: Type.Object({ alpha: Alpha, download: Type.Optional(Type.Boolean()) }),
    response: { 200: FileReply('image/svg+xml') },
  },
  'GET /api/exports/rounds/:roundId/report.xlsx': {
    params: RoundParams,
    querystring: ReportQuery,
    response: { 200: FileReply('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet') },
  },
});
