import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { IdParams } from '../schemas';
import { MAX_PASSWORD_LENGTH, Role, SessionUser } from './auth';

export const UserSummary = Type.Object({
  id: Type.Number(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  status: Type.Union([Type.Literal('active'), Type.Literal('invited'), Type.Literal('disabled')]),
  lastLoginAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  inviteExpiresAt: Type.Union([Type.String(), Type.Null()]),
});
export type UserSummary = Static<typeof UserSummary>;

// Token-carrying routes live under /api/u/ so that server/logging.ts redacts them.
const TokenParams = Type.Object({ token: Type.String({ maxLength: 100 }) });

/** Admins manage accounts; invited users choose their password through /u/<token>. */
export const usersApi = defineApi({
  'GET /api/users': { response: { 200: Type.Object({ users: Type.Array(UserSummary) }) } },
  'POST /api/users': {
    body: Type.Object({
      email: Type.String({ maxLength: 254 }),
      name: Type.String({ maxLength: 400 }),
      role: Role,
    }),
    response: { 200: UserSummary },
  },
  'POST /api/users/:id/invite': { params: IdParams, response: { 200: UserSummary } },
  'PATCH /api/users/:id': {
    params: IdParams,
    body: Type.Object({ role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) }),
    response: { 200: UserSummary },
  },
  'GET /api/u/:token': {
    params: TokenParams,
    response: { 200: Type.Object({ name: Type.String(), email: Type.String(), renewal: Type.Boolean() }) },
  },
  'POST /api/u/:token': {
    params: TokenParams,
    body: Type.Object({ password: Type.String({ maxLength: MAX_PASSWORD_LENGTH }) }),
    response: { 200: SessionUser },
  },
});
