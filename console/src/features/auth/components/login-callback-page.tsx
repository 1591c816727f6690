import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { runtimeConfig } from '@/lib/runtime-config';
import { completeSignIn } from '../api/cognito';
import { LoginScreen, Notice } from './login-screen';

/** `/login/callback`: where Cognito's Hosted UI returns with `?code=…&state=…`. */
export function LoginCallbackPage() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const config = runtimeConfig();
    if (config.auth !== 'cognito') {
      void navigate('/login', { replace: true });
      return;
    }
    completeSignIn(config.cognito, window.location.search)
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
