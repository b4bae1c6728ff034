import { Type, type Static } from 'typebox';
import { defineApi } from '../http';
import { Ok } from '../schemas';

/** Longest password accepted anywhere (the server hashes it; a bound keeps that cheap). */
export const MAX_PASSWORD_LENGTH = 200;

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('researcher')]);
export type Role = Static<typeof Role>;

export const SessionUser = Type.Object({
  id: Type.Number(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  csrfToken: Type.String(),
});

export type SessionUser = Static<typeof SessionUser>;

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' });
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });

export const authApi = defineApi({
  'GET /api/auth/me': { response: { 200: SessionUser } },
  'GET /api/auth/setup': {
    querystring: Type.Object({ token: Type.String({ maxLength: 200 }) }),
    response: { 200: Type.Object({ valid: Type.Boolean() }) },
  },
  'POST /api/auth/setup': {
    body: Type.Object({
      token: Type.String({ minLength: 1, maxLength: 200 }),
      name: Type.String({ minLength: 1, maxLength: 200 }),
      email: Email,
      password: Password,
    }),
    response: { 200: SessionUser },
  },
  'POST /api/auth/login': {
    body: Type.Object({ email: Type.String({ maxLength: 254 }), password: Password }),
    response: { 200: SessionUser },
  },
  'POST /api/auth/logout': { response: { 200: Ok } },
});
