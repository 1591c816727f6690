export { LoginCallbackPage as Component } from '@/features/auth';
