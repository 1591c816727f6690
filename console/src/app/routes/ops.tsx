export { OpsPage as Component } from '@/features/ops';
