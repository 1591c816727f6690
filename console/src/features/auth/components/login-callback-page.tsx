import { Alert, Button, Card, Spin } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { runtimeConfig } from '@/lib/runtime-config';
import { completeSignIn } from '../api/cognito';

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
    <main className="login-screen">
      <Card className="login-card" variant="borderless">
        {error ? (
          <>
            <Alert type="error" showIcon message={error} role="alert" style={{ marginBottom: 16 }} />
            <Button type="primary" block onClick={() => void navigate('/login', { replace: true })}>
              返回登录
            </Button>
          </>
        ) : (
          <Spin tip="正在登录…" size="large">
            <div style={{ height: 120 }} />
          </Spin>
        )}
      </Card>
    </main>
  );
}
