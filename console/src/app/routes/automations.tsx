export { AutomationsPage as Component } from '@/features/automations';
