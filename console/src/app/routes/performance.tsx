export { PerformancePage as Component } from '@/features/performance';
