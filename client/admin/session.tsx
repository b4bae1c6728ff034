import { createContext, useContext } from 'react';

export interface SessionUser {
  id: number;
  email: string;
  name: string;
  role: 'admin' | 'researcher';
  csrfToken: string;
}

export const SessionContext = createContext<SessionUser | null>(null);

export function useSession(): SessionUser {
  const user = useContext(SessionContext);
  if (!user) throw new Error('useSession outside a logged-in shell');
  return user;
}
