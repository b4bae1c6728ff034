/** Small schema building blocks used by several areas' contracts. */
import { Type } from 'typebox';
import { INVITATION_STATUSES, MAILING_STATUSES, OUTBOX_STATUSES, ROUND_STATUSES } from './vocabulary';

export const Id = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
export const IdParams = Type.Object({ id: Id });
export const DateTime = Type.String({ format: 'date-time', maxLength: 40 });
export const NullableDateTime = Type.Union([DateTime, Type.Null()]);
export const Ok = Type.Object({ ok: Type.Boolean() });

/**
 * A reply that is a file or a stream rather than JSON (CSV, XLSX, .sav, HTML, PNG, SSE). Fastify
 * does not serialise those, so the schema only documents the media type; the client does not use
 * `call()` for them but a link or `fetch` of the download.
 */
export const FileReply = (mediaType: string) => Type.Unsafe<unknown>({ description: 'file', contentMediaType: mediaType });

/** A union of string literals, from a list of words (e.g. a vocabulary's codes). */
export const Literals = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>(Type.Union(values.map((value) => Type.Literal(value))));

// Statuses of the round tables as the API sends them (the words: contract/vocabulary.ts).
export const RoundStatus = Literals(ROUND_STATUSES);
export const InvitationStatus = Literals(INVITATION_STATUSES);
export const MailingStatus = Literals(MAILING_STATUSES);
export const OutboxStatus = Literals(OUTBOX_STATUSES);
