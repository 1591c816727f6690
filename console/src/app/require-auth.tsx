import { useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { isExpired, loadSession, onSignOut } from '@/lib/session';

/** Pages behind sign-in: without a session, /login (which returns here afterwards). */
export function RequireAuth({ children }: { children: ReactNode }) {
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const here = `${location.pathname}${location.search}`;

  // When the API refuses the token (401) or the user logs out: back to /login, saying why.
  useEffect(
    () =>
      onSignOut((reason) => {
        queryClient.clear();
        void navigate(`/login?reason=${reason}`, { replace: true, state: { from: here } });
      }),
    [navigate, queryClient, here],
  );

  const session = loadSession();
  if (!session || (isExpired(session) && !session.refreshToken)) {
    return <Navigate to={session ? '/login?reason=expired' : '/login'} replace state={{ from: here }} />;
  }
  return children;
}
