export { CampaignDetailPage as Component } from '@/features/campaigns';
