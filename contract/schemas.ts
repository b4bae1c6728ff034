/** Small schema building blocks used by several areas' contracts. */
import { Type } from 'typebox';

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

// Statuses of the round tables as the API sends them.
// TODO(issue 22): build these from contract/vocabulary.ts once the statuses live there.
export const RoundStatus = Literals(['draft', 'open', 'closed']);
export const InvitationStatus = Literals(['pending', 'invited', 'opened', 'refused', 'started', 'completed']);
export const MailingStatus = Literals(['scheduled', 'sending', 'sent', 'cancelled']);
export const OutboxStatus = Literals(['pending', 'sending', 'sent', 'failed', 'bounced', 'cancelled']);
