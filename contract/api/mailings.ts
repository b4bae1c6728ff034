/**
 * The mail area (server/mailings/routes.ts): waves, templates, estimates, the message log, the
 * outbox, and the public opt-out page. The reply types here are the ones the server's queries
 * (server/mailings/queries/*.ts) build; they re-export them, so there is one definition.
 */
import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { Dict, Nullable } from '../helpers';
import { DateTime, FileReply, Id, InvitationStatus, MailingStatus, NullableDateTime, OutboxStatus, RoundStatus } from '../schemas';
import { SCHOOL_KINDS, SITUATIONS } from '../vocabulary';

/** Which schools of a round a wave goes to (server/mailings/targets.ts). */
export const TARGET_STATUSES = ['not-invited', 'not-started', 'started-not-completed', 'not-completed'] as const;
export type TargetStatus = (typeof TARGET_STATUSES)[number];
/** How many free-text filter values a wave takes, and how long each may be. */
export const TEXT_FILTER_LIMITS = { items: 50, length: 100 } as const;
/** Longest subject and body of a mail template. */
export const TEMPLATE_LIMITS = { subject: 200, body: 50_000 } as const;

export const MAILING_KINDS = ['invitation', 'reminder'] as const;
const Kind = Type.Enum(MAILING_KINDS);
const Situation = Type.Enum(SITUATIONS);
const Sector = Type.Enum(SCHOOL_KINDS);
const FilterText = Type.String({ minLength: 1, maxLength: TEXT_FILTER_LIMITS.length, pattern: '\\S' });

/** A wave's target as the admin sends it (empty lists are allowed and mean "no filter"). */
const TargetInput = Type.Object(
  {
    status: Type.Enum(TARGET_STATUSES),
    swvIds: Type.Optional(Type.Array(Id, { maxItems: 500, uniqueItems: true })),
    situations: Type.Optional(Type.Array(Situation, { maxItems: 6, uniqueItems: true })),
    sectors: Type.Optional(Type.Array(Sector, { maxItems: 5, uniqueItems: true })),
    provinces: Type.Optional(Type.Array(FilterText, { maxItems: TEXT_FILTER_LIMITS.items, uniqueItems: true })),
    denominations: Type.Optional(Type.Array(FilterText, { maxItems: TEXT_FILTER_LIMITS.items, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type TargetInput = Static<typeof TargetInput>;

/** A wave's target as the server keeps and sends it (server/mailings/targets.ts MailingTarget). */
export const MailingTarget = Type.Object({
  status: Type.Enum(TARGET_STATUSES),
  swvIds: Type.Optional(Type.Array(Type.Number())),
  situations: Type.Optional(Type.Array(Situation)),
  sectors: Type.Optional(Type.Array(Sector)),
  /** Schools whose province (as DUO spells it, trimmed) is one of these. */
  provinces: Type.Optional(Type.Array(Type.String())),
  /** Schools whose denominatie (as DUO spells it, trimmed) is one of these. */
  denominations: Type.Optional(Type.Array(Type.String())),
  /** Reminder policy: goes to each school this many days after its own invitation. */
  afterDays: Type.Optional(Type.Number()),
});
export type MailingTarget = Static<typeof MailingTarget>;

export const RelayLimits = Type.Object({ perMinute: Type.Number(), perHour: Type.Number(), perDay: Type.Number() });
export type RelayLimits = Static<typeof RelayLimits>;

const OutboxCounts = Type.Object({
  pending: Type.Number(),
  sending: Type.Number(),
  sent: Type.Number(),
  failed: Type.Number(),
  bounced: Type.Number(),
  cancelled: Type.Number(),
});

export const MailingView = Type.Object({
  id: Type.Number(),
  kind: Kind,
  status: MailingStatus,
  target: MailingTarget,
  dueAt: Type.String(),
  startedAt: Nullable(Type.String()),
  finishedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  counts: OutboxCounts,
});
export type MailingView = Static<typeof MailingView>;

export const PlannedWave = Type.Object({
  mailingId: Type.Number(),
  roundId: Type.Number(),
  roundName: Type.String(),
  kind: Kind,
  target: MailingTarget,
  dueAt: Type.String(),
  /** How many mails it would send if it went now (decided again when it goes). */
  count: Type.Number(),
});
export type PlannedWave = Static<typeof PlannedWave>;

export const MailRoundRow = Type.Object({
  id: Type.Number(),
  name: Type.String(),
  studyName: Type.String(),
  status: Type.String(),
  invitations: Type.Number(),
  mailings: Type.Number(),
});
export type MailRoundRow = Static<typeof MailRoundRow>;

export const Estimate = Type.Object({
  count: Type.Number(),
  /** Mails already waiting or planned before this wave. */
  ahead: Type.Number(),
  startsAt: Type.String(),
  finishesAt: Type.String(),
  limits: RelayLimits,
});
export type Estimate = Static<typeof Estimate>;

export const OpeningPlan = Type.Object({
  /** Invitation mails opening sends: one per school with a usable address. */
  invitations: Type.Number(),
  /** Schools without a usable address, which get none. */
  unreachable: Type.Number(),
  swvs: Type.Number(),
  /** Per SWV of the round: how many of its schools get the invitation. */
  perSwv: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), count: Type.Number() })),
  sendAt: Type.String(),
  /** Mails already waiting before these. */
  ahead: Type.Number(),
  finishesAt: Type.String(),
  limits: RelayLimits,
  capture: Type.Boolean(),
  reminders: Type.Array(Type.Object({ afterDays: Type.Number(), firstAt: Type.String(), lastAt: Type.String(), beforeClose: Type.Boolean() })),
  opensAt: Nullable(Type.String()),
  closesAt: Nullable(Type.String()),
});
export type OpeningPlan = Static<typeof OpeningPlan>;

export const Preview = Type.Object({
  subject: Type.String(),
  text: Type.String(),
  html: Type.String(),
  /** The school the preview is for; `invitationId` is null for a school opening will invite. */
  school: Nullable(Type.Object({ invitationId: Nullable(Type.Number()), name: Type.String() })),
});
export type Preview = Static<typeof Preview>;

export const MailTemplate = Type.Object({ subject: Type.String(), text: Type.String(), html: Type.String(), isDefault: Type.Boolean() });
export type MailTemplate = Static<typeof MailTemplate>;

export const InvitationMailRow = Type.Object({
  invitationId: Type.Number(),
  schoolName: Type.String(),
  locationCode: Type.String(),
  swvName: Type.String(),
  status: Type.String(),
  invitedAt: Nullable(Type.String()),
  optedOutAt: Nullable(Type.String()),
  bouncedAt: Nullable(Type.String()),
  messages: Type.Number(),
  lastMessageStatus: Nullable(OutboxStatus),
});
export type InvitationMailRow = Static<typeof InvitationMailRow>;

export const LOG_EVENT_KINDS = [
  'queued',
  'sent',
  'failed',
  'bounced',
  'skipped',
  'retrying',
  'opened',
  'opted-out',
  'invitation-bounced',
  'started',
  'completed',
  'refused',
] as const;

export const LogEvent = Type.Object({
  at: Type.String(),
  kind: Type.Enum(LOG_EVENT_KINDS),
  messageId: Nullable(Type.Number()),
  mailingKind: Nullable(Kind),
  detail: Nullable(Type.String()),
});
export type LogEvent = Static<typeof LogEvent>;

export const MessageLog = Type.Object({
  invitation: Type.Object({
    id: Type.Number(),
    roundId: Type.Number(),
    schoolName: Type.String(),
    locationCode: Type.String(),
    status: Type.String(),
    hasAddress: Type.Boolean(),
  }),
  messages: Type.Array(
    Type.Object({
      id: Type.Number(),
      mailingId: Nullable(Type.Number()),
      mailingKind: Nullable(Kind),
      subject: Type.String(),
      status: OutboxStatus,
      attempts: Type.Number(),
      createdAt: Type.String(),
      sentAt: Nullable(Type.String()),
      nextAttemptAt: Type.String(),
      lastError: Nullable(Type.String()),
      smtpResponse: Nullable(Type.String()),
      transport: Nullable(Type.String()),
    }),
  ),
  events: Type.Array(LogEvent),
});
export type MessageLog = Static<typeof MessageLog>;

export const OutboxRow = Type.Object({
  id: Type.Number(),
  to: Type.String(),
  subject: Type.String(),
  status: OutboxStatus,
  attempts: Type.Number(),
  createdAt: Type.String(),
  sentAt: Nullable(Type.String()),
  transport: Nullable(Type.String()),
  mailingKind: Nullable(Kind),
  invitationId: Nullable(Type.Number()),
  /** Why the last attempt failed, was retried or taken over (also kept once the mail went). */
  lastError: Nullable(Type.String()),
  nextAttemptAt: Type.String(),
  /** For a mail still waiting: when it is due to go at the relay's pace (an estimate). */
  plannedAt: Nullable(Type.String()),
});
export type OutboxRow = Static<typeof OutboxRow>;

export const OutboxMessageView = Type.Object({
  id: Type.Number(),
  from: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text: Type.String(),
  html: Nullable(Type.String()),
  headers: Dict(Type.String()),
  status: OutboxStatus,
  sentAt: Nullable(Type.String()),
  attempts: Type.Number(),
  nextAttemptAt: Type.String(),
  /** Why the last attempt failed, was retried or taken over; the relay's last answer. */
  lastError: Nullable(Type.String()),
  smtpResponse: Nullable(Type.String()),
  /** True when the links are the real ones (captured mail); with a relay they are masked. */
  liveLinks: Type.Boolean(),
});
export type OutboxMessageView = Static<typeof OutboxMessageView>;

const RoundParams = Type.Object({ roundId: Id });
const MailingParams = Type.Object({ mailingId: Id });
const MessageParams = Type.Object({ messageId: Id });
const TemplateParams = Type.Object({ roundId: Id, kind: Kind });
const Page = {
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
};
const WaveBody = Type.Object({ kind: Kind, target: TargetInput, dueAt: DateTime }, { additionalProperties: false });
const TemplateFields = {
  subject: Type.String({ maxLength: TEMPLATE_LIMITS.subject }),
  text: Type.String({ maxLength: TEMPLATE_LIMITS.body }),
  html: Type.String({ maxLength: TEMPLATE_LIMITS.body }),
};
const TemplateBody = Type.Object(TemplateFields, { additionalProperties: false });
const Placeholders = Dict(Type.String());
// (Fastify answers 414 for a path parameter over 100 characters before the opt-out page runs.)
const Token = Type.Object({ token: Type.String({ maxLength: 100 }) });
const Html = FileReply('text/html');

export const mailingsApi = defineApi({
  'GET /api/mail/settings': {
    response: { 200: Type.Object({ capture: Type.Boolean(), limits: RelayLimits, from: Type.String(), placeholders: Placeholders }) },
  },
  'GET /api/mail/rounds': { response: { 200: Type.Object({ rounds: Type.Array(MailRoundRow) }) } },
  'GET /api/mail/rounds/:roundId/mailings': {
    params: RoundParams,
    response: {
      200: Type.Object({
        round: Type.Object({
          id: Type.Number(),
          name: Type.String(),
          studyName: Type.String(),
          status: RoundStatus,
          opensAt: NullableDateTime,
          closesAt: NullableDateTime,
        }),
        mailings: Type.Array(MailingView),
        swvs: Type.Array(Type.Object({ id: Type.Number(), code: Type.String(), name: Type.String(), situation: Nullable(Situation) })),
      }),
    },
  },
  'POST /api/mail/rounds/:roundId/estimate': { params: RoundParams, body: WaveBody, response: { 200: Estimate } },
  'POST /api/mail/rounds/:roundId/opening-plan': {
    params: RoundParams,
    body: Type.Object({ sendAt: Type.Optional(Nullable(DateTime)) }, { additionalProperties: false }),
    response: { 200: OpeningPlan },
  },
  'POST /api/mail/rounds/:roundId/mailings': { params: RoundParams, body: WaveBody, response: { 201: Type.Object({ id: Type.Number() }) } },
  'PATCH /api/mail/mailings/:mailingId': {
    params: MailingParams,
    body: Type.Object(
      { dueAt: Type.Optional(DateTime), afterDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })) },
      { additionalProperties: false },
    ),
    response: { 200: Type.Object({ id: Type.Number(), dueAt: Type.String() }) },
  },
  'POST /api/mail/mailings/:mailingId/cancel': {
    params: MailingParams,
    response: { 200: Type.Object({ id: Type.Number(), cancelledMessages: Type.Number() }) },
  },
  'GET /api/mail/rounds/:roundId/templates': {
    params: RoundParams,
    response: { 200: Type.Object({ invitation: MailTemplate, reminder: MailTemplate, placeholders: Placeholders }) },
  },
  'PUT /api/mail/rounds/:roundId/templates/:kind': { params: TemplateParams, body: TemplateBody, response: { 200: MailTemplate } },
  'DELETE /api/mail/rounds/:roundId/templates/:kind': { params: TemplateParams, response: { 200: MailTemplate } },
  'POST /api/mail/rounds/:roundId/templates/:kind/preview': {
    params: TemplateParams,
    body: Type.Object({ ...TemplateFields, invitationId: Type.Optional(Id) }, { additionalProperties: false }),
    response: { 200: Preview },
  },
  'GET /api/mail/rounds/:roundId/invitations': {
    params: RoundParams,
    querystring: Type.Object(
      {
        search: Type.Optional(Type.String({ maxLength: 100 })),
        problem: Type.Optional(Type.Enum(['bounced', 'opted-out', 'failed'])),
        ...Page,
      },
      { additionalProperties: false },
    ),
    response: { 200: Type.Object({ total: Type.Number(), rows: Type.Array(InvitationMailRow) }) },
  },
  'GET /api/mail/invitations/:invitationId/log': { params: Type.Object({ invitationId: Id }), response: { 200: MessageLog } },
  'GET /api/mail/outbox': {
    querystring: Type.Object({ status: Type.Optional(OutboxStatus), ...Page }, { additionalProperties: false }),
    response: {
      200: Type.Object({
        capture: Type.Boolean(),
        limits: RelayLimits,
        total: Type.Number(),
        rows: Type.Array(OutboxRow),
        /** Waves still to come (first page, all or pending only), so the outbox shows all planned mail. */
        planned: Type.Array(PlannedWave),
      }),
    },
  },
  'GET /api/mail/outbox/:messageId': { params: MessageParams, response: { 200: OutboxMessageView } },
  'POST /api/mail/outbox/:messageId/retry': { params: MessageParams, response: { 200: Type.Object({ id: Type.Number() }) } },
  // The public opt-out page: an HTML page, not JSON.
  'GET /api/optout/:token': { params: Token, response: { 200: Html, 404: Html } },
  'POST /api/optout/:token': { params: Token, response: { 200: Html, 404: Html } },
});
