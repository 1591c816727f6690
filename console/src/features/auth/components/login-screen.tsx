import type { ReactNode } from 'react';

/** The card the sign-in pages share: the product, the clinic, then what the page asks. */
export function LoginScreen({ children }: { children: ReactNode }) {
  return (
    <main className="login-screen">
      <section className="login-card" aria-labelledby="login-title">
        <h1 id="login-title" className="login-title">
          企业微信客户联系 CRM
        </h1>
        <p className="login-subtitle">深圳妍美医疗美容门诊部 · 管理后台</p>
        {children}
      </section>
    </main>
  );
}

const ROLES = { error: 'alert', warning: 'alert', info: 'status' } as const;

/** A one-line notice: an error or warning is announced at once, information politely. */
export function Notice({ tone, children }: { tone: keyof typeof ROLES; children: ReactNode }) {
  return (
    <div className={`login-notice login-notice-${tone}`} role={ROLES[tone]}>
      {children}
    </div>
  );
}
