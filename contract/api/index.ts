/**
 * Every area's routes in one map. A new area adds one spread line here; the client's `call()`
 * accepts exactly these keys, and `tests/unit/contract.test.ts` checks that the server registers
 * each of them with this schema and no `/api/` route without one.
 */
import { authApi } from './auth';
import { privacyApi } from './privacy';
import { roundsApi } from './rounds';
import { schoolsApi } from './schools';
import { usersApi } from './users';

export const API = {
  ...authApi,
  ...usersApi,
  ...privacyApi,
  ...schoolsApi,
  ...roundsApi,
};

export type Api = typeof API;
export type ApiRoute = keyof Api;
