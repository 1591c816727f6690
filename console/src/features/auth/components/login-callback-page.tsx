import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { runtimeConfig } from '@/lib/runtime-config';
import { completeSignIn } from '../api/oidc';
import { LoginScreen, Notice } from './login-screen';

/** `/login/callback`: where the sign-in provider (Cognito's Hosted UI, or the OIDC issuer) returns with `?code=…&state=…`. */
export function LoginCallbackPage() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const config = runtimeConfig();
    if (config.auth !== 'oidc') {
      void navigate('/login', { replace: true });
      return;
    }
    completeSignIn(config.oidc, window.location.search)
      .then((returnTo) => void navigate(returnTo.startsWith('/') ? returnTo : '/dashboard', { replace: true }))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : '登录失败，请重试'));
  }, [navigate]);

  return (
    <LoginScreen>
      {error ? (
        <>
          <Notice tone="error">{error}</Notice>
          <button type="button" className="login-submit" onClick={() => void navigate('/login', { replace: true })}>
            返回登录
          </button>
        </>
      ) : (
        <p className="login-progress" role="status">
          正在登录…
        </p>
      )}
    </LoginScreen>
  );
}
