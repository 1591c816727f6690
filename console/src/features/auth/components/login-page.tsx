import { LockOutlined, LoginOutlined } from '@ant-design/icons';
import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useEffect, useRef } from 'react';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { api } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { runtimeConfig } from '@/lib/runtime-config';
import { saveSession } from '@/lib/session';
import { authorizeUrl } from '../api/cognito';

const REASONS: Record<string, { type: 'warning' | 'info'; text: string }> = {
  expired: { type: 'warning', text: '登录已过期或令牌已失效，请重新登录。' },
  logout: { type: 'info', text: '已退出登录。' },
};

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
    <main className="login-screen">
      <Card className="login-card" variant="borderless">
        <Typography.Title level={3} style={{ marginTop: 0 }}>
          企业微信客户联系 CRM
        </Typography.Title>
        <Typography.Paragraph type="secondary">深圳妍美医疗美容门诊部 · 管理后台</Typography.Paragraph>
        {reason && <Alert type={reason.type} showIcon message={reason.text} style={{ marginBottom: 16 }} />}
        {error && <Alert type="error" showIcon message={error} style={{ marginBottom: 16 }} role="alert" />}
        {config.auth === 'cognito' ? (
          <Button
            type="primary"
            size="large"
            block
            icon={<LoginOutlined />}
            onClick={async () => {
              window.location.assign(await authorizeUrl(config.cognito, returnTo));
            }}
          >
            使用员工账号登录
          </Button>
        ) : (
          <Form layout="vertical" onFinish={(values: { token: string }) => signIn.mutate(values.token.trim())} requiredMark={false}>
            <Form.Item
              label="访问令牌"
              name="token"
              extra="打开 wecom-crm serve 启动时打印的登录链接即可自动登录，或在此粘贴令牌。"
              rules={[{ required: true, whitespace: true, message: '请输入访问令牌' }]}
            >
              <Input.Password prefix={<LockOutlined />} autoComplete="off" placeholder="粘贴访问令牌" />
            </Form.Item>
            <Button type="primary" htmlType="submit" size="large" block loading={signIn.isPending}>
              登录
            </Button>
          </Form>
        )}
      </Card>
    </main>
  );
}
