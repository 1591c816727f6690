/**
 * The create form's values → `POST /api/campaigns` (and its dry run), and the API's error
 * fields → the form fields that show them.
 */
import type { Dayjs } from 'dayjs';
import { contentErrorPath, toContent, type ContentDraft } from '@/components/message-composer';
import { audienceBody, defaultAudience, type AudienceValues } from './audience';
import type { NewCampaign, SenderPolicy } from './campaigns';
import { sendAtOf, type SendMode } from './schedule';

export interface NewCampaignValues {
  name: string;
  audience: AudienceValues;
  content: ContentDraft;
  sender: { type: SenderPolicy['type']; userid?: string | null };
  booked_within_days: number;
  send_mode: SendMode;
  send_at?: Dayjs | null;
}

export function defaultValues(): NewCampaignValues {
  return {
    name: '',
    audience: defaultAudience(),
    content: { text: '', attachments: [] },
    sender: { type: 'own_consultant', userid: null },
    booked_within_days: 7,
    send_mode: 'now',
    send_at: null,
  };
}

export function senderPolicy(sender: NewCampaignValues['sender'] | undefined): SenderPolicy {
  if (sender?.type === 'fixed') return { type: 'fixed', userid: sender.userid ?? '' };
  if (sender?.type === 'most_recent') return { type: 'most_recent' };
  return { type: 'own_consultant' };
}

/** The request for the form's values. */
export function campaignBody(values: NewCampaignValues): NewCampaign {
  const body: NewCampaign = {
    name: values.name.trim(),
    audience: audienceBody(values.audience),
    content: toContent(values.content),
    sender_policy: senderPolicy(values.sender),
    booked_within_days: values.booked_within_days,
  };
  if (values.send_mode === 'later' && values.send_at) body.send_at = sendAtOf(values.send_at);
  return body;
}

/**
 * A dry run's request: only the audience and the sender decide who would be messaged, so the
 * rest is a stand-in and the audience can be previewed before the message is written.
 */
export function previewBody(values: Pick<NewCampaignValues, 'audience' | 'sender'>): NewCampaign {
  return {
    name: '预览目标客户',
    audience: audienceBody(values.audience),
    content: { text: '预览', attachments: [] },
    sender_policy: senderPolicy(values.sender),
  };
}

/** The form field an API error names (`audience.filter.tiers` → the tier checkboxes). */
export function formFieldOf(apiField: string, values: NewCampaignValues): (string | number)[] | null {
  if (apiField === 'name' || apiField === 'booked_within_days') return [apiField];
  if (apiField === 'send_at') return values.send_mode === 'later' ? ['send_at'] : null;
  if (apiField.startsWith('sender_policy')) return values.sender.type === 'fixed' ? ['sender', 'userid'] : ['sender', 'type'];
  if (apiField.startsWith('content')) return contentErrorPath(apiField, values.content, ['content']);
  if (apiField === 'audience.external_userids') return ['audience', values.audience.mode === 'one' ? 'one' : 'batch'];
  if (apiField === 'audience.groups') return ['audience', 'tag_groups', 0];
  const filter = /^audience\.filter\.(\w+)$/.exec(apiField);
  if (filter) {
    const name = filter[1]!;
    return ['audience', 'filter', name === 'added_from' || name === 'added_to' ? 'added' : name];
  }
  if (apiField.startsWith('audience')) return ['audience', 'mode'];
  return null;
}
