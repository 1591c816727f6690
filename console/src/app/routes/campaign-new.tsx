export { CampaignNewPage as Component } from '@/features/campaigns';
