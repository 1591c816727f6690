export { CampaignsPage } from './components/campaigns-page';
export { CampaignNewPage } from './components/campaign-new-page';
export { CampaignDetailPage } from './components/campaign-detail-page';
