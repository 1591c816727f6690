export { HandoverPage as Component } from '@/features/handover';
