export { LoginPage } from './components/login-page';
export { LoginCallbackPage } from './components/login-callback-page';
export { logout } from './api/logout';
export { renewIfNeeded } from './api/oidc';
