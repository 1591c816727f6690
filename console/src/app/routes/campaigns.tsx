export { CampaignsPage as Component } from '@/features/campaigns';
