export { WeworkConfigPage as Component } from '@/features/wework-config';
