/** Schema helpers for the contract files (TypeBox). */
import { Type, type TSchema } from 'typebox';

/** A value or null (JSON null; Fastify keeps it in the reply). */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An object keyed by free strings (a day, a variable name) with values of one schema. */
export const Dict = <T extends TSchema>(value: T) => Type.Record(Type.String(), value);
