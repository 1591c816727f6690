import { useQueryClient } from '@tanstack/react-query';
import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { isExpired, lastSignOutReason, loadSession, onSignOut } from '@/lib/session';

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
    // A session that just ended keeps its reason (this may render before the listener's
    // navigation lands).
    const reason = session ? 'expired' : lastSignOutReason();
    return <Navigate to={reason ? `/login?reason=${reason}` : '/login'} replace state={{ from: here }} />;
  }
  return children;
}
