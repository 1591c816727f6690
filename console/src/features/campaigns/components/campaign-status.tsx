import { Tag, Tooltip, type TagProps } from 'antd';
import { CAMPAIGN_STATUS, RECIPIENT_STATUS, labelOf } from '@/lib/labels';
import type { CampaignView } from '../api/campaigns';
import { campaignStatusHelp } from '../api/labels';

/**
 * Tag colours with text dark enough for WCAG AA at 12 px (antd's light presets — gold, green,
 * cyan, orange — are not).
 */
const PALETTE: Record<string, { color: string; background: string; borderColor: string }> = {
  blue: { color: '#0958d9', background: '#e6f4ff', borderColor: '#91caff' },
  processing: { color: '#0958d9', background: '#e6f4ff', borderColor: '#91caff' },
  gold: { color: '#874d00', background: '#fffbe6', borderColor: '#ffe58f' },
  orange: { color: '#ad4e00', background: '#fff7e6', borderColor: '#ffd591' },
  green: { color: '#237804', background: '#f6ffed', borderColor: '#b7eb8f' },
  cyan: { color: '#006d75', background: '#e6fffb', borderColor: '#87e8de' },
  red: { color: '#cf1322', background: '#fff1f0', borderColor: '#ffa39e' },
};

export function StatusTag({ label, color, ...rest }: { label: string; color: string } & Omit<TagProps, 'color'>) {
  return (
    <Tag {...rest} style={{ ...PALETTE[color], ...rest.style }}>
      {label}
    </Tag>
  );
}

export function CampaignStatusTag({ campaign }: { campaign: Pick<CampaignView, 'status' | 'deferred_until_ms' | 'error'> }) {
  const status = labelOf(CAMPAIGN_STATUS, campaign.status);
  const help = campaignStatusHelp(campaign);
  return (
    <Tooltip title={help}>
      <StatusTag
        label={status.label}
        color={status.color}
        style={{ marginInlineEnd: 0 }}
      />
    </Tooltip>
  );
}

export function RecipientStatusTag({ status }: { status: string }) {
  const s = labelOf(RECIPIENT_STATUS, status);
  return <StatusTag label={s.label} color={s.color} />;
}
