/**
 * The channel editor's rows ⇄ the API's `channels` map. A welcome message's link cards are
 * edited as rows; attachments the editor does not show (images, mini-programs set through the
 * API) are kept as they were.
 */
import type { ChannelView, ConfigView } from './config';

type Attachment = NonNullable<ChannelView['welcome']>['attachments'] extends (infer A)[] | undefined ? A : never;

export interface LinkRow {
  title: string;
  url: string;
  desc?: string;
  picurl?: string;
}

export interface ChannelRow {
  state: string;
  label: string;
  tag_group: string;
  tag_name: string;
  welcome_text: string;
  links: LinkRow[];
  /** Attachments other than links, kept untouched. */
  keep?: Attachment[];
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

function asLink(attachment: Attachment): LinkRow | null {
  const value = attachment as { msgtype?: string; link?: Partial<LinkRow> };
  if (value.msgtype !== 'link' || !value.link) return null;
  return {
    title: value.link.title ?? '',
    url: value.link.url ?? '',
    desc: value.link.desc ?? '',
    picurl: value.link.picurl ?? '',
  };
}

export function channelRows(config: Pick<ConfigView, 'channels'>): ChannelRow[] {
  return Object.entries(config.channels).map(([state, channel]) => {
    const attachments: Attachment[] = channel.welcome?.attachments ?? [];
    return {
      state,
      label: channel.label,
      tag_group: channel.tag_group ?? '来源渠道',
      tag_name: channel.tag_name,
      welcome_text: channel.welcome?.text ?? '',
      links: attachments.map(asLink).filter((l): l is LinkRow => l !== null),
      keep: attachments.filter((a) => asLink(a) === null),
    };
  });
}

export function rowsToChannels(rows: ChannelRow[]): Record<string, ChannelView> {
  const out: Record<string, ChannelView> = {};
  for (const row of rows) {
    const links = (row.links ?? []).map((link) => {
      const card: Record<string, string> = { title: link.title.trim(), url: link.url.trim() };
      if (link.desc?.trim()) card.desc = link.desc.trim();
      if (link.picurl?.trim()) card.picurl = link.picurl.trim();
      return { msgtype: 'link', link: card } as unknown as Attachment;
    });
    const attachments = [...links, ...(row.keep ?? [])];
    const text = row.welcome_text ?? '';
    out[row.state.trim()] = {
      label: row.label.trim(),
      tag_group: row.tag_group?.trim() || '来源渠道',
      tag_name: row.tag_name.trim(),
      welcome: text.trim() || attachments.length > 0 ? { text, attachments } : null,
    };
  }
  return out;
}
