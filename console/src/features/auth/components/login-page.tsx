import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { api } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { runtimeConfig } from '@/lib/runtime-config';
import { saveSession } from '@/lib/session';
import { authorizeUrl } from '../api/oidc';
import { LoginScreen, Notice } from './login-screen';

const REASONS: Record<string, { tone: 'warning' | 'info'; text: string }> = {
  expired: { tone: 'warning', text: '登录已过期或令牌已失效，请重新登录。' },
  logout: { tone: 'info', text: '已退出登录。' },
};

const TOKEN_REQUIRED = '请输入访问令牌';

/** Checks a token against the API; answers the Chinese reason when it is refused. */
async function checkToken(token: string): Promise<string | null> {
  try {
    const { error, response } = await api.GET('/api/me', {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (response.ok) return null;
    if (response.status === 401) return '令牌无效：请使用 wecom-crm serve 启动时打印的登录链接或令牌。';
    return errorMessage(error);
  } catch (e) {
    return errorMessage(e);
  }
}

/**
 * `/login`. Local mode: the one-click link `serve` prints (`#token=…`) or a pasted token. AWS: the
 * staff sign in at their provider (Cognito's Hosted UI, or the clinic's OIDC provider). Plain elements, no Ant Design: the page everyone opens
 * first loads only React, the router and the API client.
 */
export function LoginPage() {
  const config = runtimeConfig();
  const navigate = useNavigate();
  const location = useLocation();
  const [params] = useSearchParams();
  const fromHash = useRef(false);
  const returnTo = (location.state as { from?: string } | null)?.from ?? params.get('from') ?? '/dashboard';
  const reason = REASONS[params.get('reason') ?? ''];

  const signIn = useMutation({
    mutationFn: async (token: string) => {
      const refused = await checkToken(token);
      if (refused) throw new Error(refused);
      return token;
    },
    onSuccess: (token) => {
      saveSession({ token, kind: 'token' });
      void navigate(returnTo.startsWith('/') ? returnTo : '/dashboard', { replace: true });
    },
  });
  const error = signIn.error?.message ?? null;

  // The one-click link `serve` prints: /login#token=… (the fragment never reaches a server).
  useEffect(() => {
    if (fromHash.current || config.auth !== 'token') return;
    const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
    if (!token) return;
    fromHash.current = true;
    window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
    signIn.mutate(token.trim());
  }, [config.auth, signIn]);

  return (
    <LoginScreen>
      {reason && <Notice tone={reason.tone}>{reason.text}</Notice>}
      {error && <Notice tone="error">{error}</Notice>}
      {config.auth === 'oidc' ? (
        <button
          type="button"
          className="login-submit"
          onClick={async () => {
            window.location.assign(await authorizeUrl(config.oidc, returnTo));
          }}
        >
          使用员工账号登录
        </button>
      ) : (
        <TokenForm pending={signIn.isPending} onSubmit={(token) => signIn.mutate(token)} />
      )}
    </LoginScreen>
  );
}

/** The pasted token: required, checked as the user types once they have typed or submitted. */
function TokenForm({ pending, onSubmit }: { pending: boolean; onSubmit: (token: string) => void }) {
  const id = useId();
  const [token, setToken] = useState('');
  const [touched, setTouched] = useState(false);
  const [shown, setShown] = useState(false);
  const invalid = touched && token.trim() === '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (token.trim() !== '') onSubmit(token.trim());
  };

  return (
    <form className="login-form" onSubmit={submit} noValidate>
      <label htmlFor={`${id}-token`} className="login-label">
        访问令牌
      </label>
      <div className={invalid ? 'login-input login-input-invalid' : 'login-input'}>
        <input
          id={`${id}-token`}
          name="token"
          type={shown ? 'text' : 'password'}
          autoComplete="off"
          spellCheck={false}
          placeholder="粘贴访问令牌"
          value={token}
          aria-invalid={invalid}
          aria-describedby={invalid ? `${id}-error ${id}-help` : `${id}-help`}
          onChange={(e) => {
            setToken(e.target.value);
            setTouched(true);
          }}
        />
        <button type="button" className="login-reveal" aria-pressed={shown} onClick={() => setShown((v) => !v)}>
          {shown ? '隐藏' : '显示'}
        </button>
      </div>
      {invalid && (
        <div id={`${id}-error`} className="login-field-error">
          {TOKEN_REQUIRED}
        </div>
      )}
      <div id={`${id}-help`} className="login-help">
        打开 wecom-crm serve 启动时打印的登录链接即可自动登录，或在此粘贴令牌。
      </div>
      <button type="submit" className="login-submit" disabled={pending} aria-busy={pending}>
        {pending ? '正在登录…' : '登录'}
      </button>
    </form>
  );
}
