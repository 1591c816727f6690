import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// Straight from the module: the feature's index would pull the login page into every page's entry.
import { renewIfNeeded } from '@/features/auth/api/oidc';
import { setSessionRenewal } from '@/lib/api/client';
import { loadRuntimeConfig } from '@/lib/runtime-config';
import { App } from './app/app';

const root = document.getElementById('root');
if (root) {
  const config = await loadRuntimeConfig();
  if (config.auth === 'oidc') setSessionRenewal(() => renewIfNeeded(config.oidc));
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
