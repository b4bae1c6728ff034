/**
 * Every area's routes in one map. A new area adds one spread line here; the client's `call()`
 * accepts exactly these keys, and `tests/unit/contract.test.ts` checks that the server registers
 * each of them with this schema and no `/api/` route without one.
 */
import { authApi } from './auth';
import { analysisApi } from './analysis';
import { exportsApi } from './exports';
import { inboundApi } from './inbound';
import { mailingsApi } from './mailings';
import { questionnairesApi } from './questionnaires';
import { responsesApi } from './responses';
import { trackingApi } from './tracking';
import { personsApi } from './persons';
import { snowballApi } from './snowball';
import { questionnairesAuthoringApi } from './questionnaires-authoring';
import { privacyApi } from './privacy';
import { roundsApi } from './rounds';
import { schoolsApi } from './schools';
import { usersApi } from './users';

export const API = {
  ...authApi,
  ...trackingApi,
  ...analysisApi,
  ...exportsApi,
  ...inboundApi,
  ...questionnairesApi,
  ...responsesApi,
  ...personsApi,
  ...snowballApi,
  ...questionnairesAuthoringApi,
  ...usersApi,
  ...privacyApi,
  ...schoolsApi,
  ...roundsApi,
  ...mailingsApi,
};

export type Api = typeof API;
export type ApiRoute = keyof Api;
