import { Type, type Static } from 'typebox';
import { defineApi } from '../http';

export const SessionUser = Type.Object({
  id: Type.Number(),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('admin'), Type.Literal('researcher')]),
  csrfToken: Type.String(),
});

export type SessionUser = Static<typeof SessionUser>;

export const authApi = defineApi({
  'GET /api/auth/me': { response: { 200: SessionUser } },
});
