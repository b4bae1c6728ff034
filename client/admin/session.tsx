import { createContext, useContext } from 'react';

import type { SessionUser } from '../../contract/api/auth';
export type { SessionUser };

export const SessionContext = createContext<SessionUser | null>(null);

export function useSession(): SessionUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useSession outside a logged-in shell');
  return user;
}
