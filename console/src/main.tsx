import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { renewIfNeeded } from '@/features/auth';
import { setSessionRenewal } from '@/lib/api/client';
import { loadRuntimeConfig } from '@/lib/runtime-config';
import { App } from './app/app';

const root = document.getElementById('root');
if (root) {
  const config = await loadRuntimeConfig();
  if (config.auth === 'cognito') setSessionRenewal(() => renewIfNeeded(config.cognito));
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
