/**
 * The shape of the HTTP contract between the browser and the server.
 *
 * Each area writes one `contract/api/<area>.ts` with `defineApi({ 'GET /api/…': { … } })`. A route's
 * entry is exactly the Fastify `schema` option (params, querystring, body, response by status), so
 * the server passes it as is (`schema: roundsApi['GET /api/rounds']`) and the TypeBox type provider
 * checks the handler's return value against it, while the client derives its types from the same
 * object (`client/shared/api.ts`, `call()`), type-only, so no schema code reaches the browser.
 *
 * This folder is the only code that both `client/` and `server/` import. It must not import from
 * either of them, nor anything with side effects.
 */
import type { Static, TSchema } from 'typebox';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RouteKey = `${HttpMethod} /api/${string}`;

export interface RouteContract {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  /**
   * Replies by status code. Every route names its success reply. A route that answers with a file
   * (CSV, XLSX, .sav, HTML, PNG) declares it with `FileReply(...)` from `contract/schemas.ts`.
   */
  response: { [status: number]: TSchema };
}

export type ApiContract = Record<RouteKey, RouteContract>;

/** Identity function that keeps the literal keys and schemas for type inference. */
export function defineApi<const T extends ApiContract>(api: T): T {
  return api;
}

type SuccessStatus = 200 | 201 | 202 | 204;
type SuccessSchema<R extends RouteContract> = R['response'][Extract<keyof R['response'], SuccessStatus>];

/** What the browser receives from a route (its success reply). */
export type ReplyOf<R extends RouteContract> = SuccessSchema<R> extends TSchema ? Static<SuccessSchema<R>> : unknown;
export type BodyOf<R extends RouteContract> = R['body'] extends TSchema ? Static<R['body']> : undefined;
export type ParamsOf<R extends RouteContract> = R['params'] extends TSchema ? Static<R['params']> : undefined;
export type QueryOf<R extends RouteContract> = R['querystring'] extends TSchema ? Static<R['querystring']> : undefined;
