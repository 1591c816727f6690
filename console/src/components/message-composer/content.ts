/**
 * A message's content as the admin API takes it (`Content`: a text and ≤ 9 attachments — image,
 * 图文链接, 小程序卡片, video, file) and as the composer edits it (`ContentDraft`: the same shape
 * with every field optional while it is being typed), with WeCom's limits checked the way the
 * API checks them (functions/admin-api/src/routes/campaigns.rs `parse_content`), so a form says
 * what is wrong before it is sent.
 */
import type { Schemas } from '@/lib/api/client';

export type Content = Schemas['Content'];
export type ContentAttachment = Schemas['ContentAttachment'];
export type AttachmentType = ContentAttachment['msgtype'];

/** One attachment while it is edited: every field of every type, each optional. */
export interface AttachmentDraft {
  msgtype: AttachmentType;
  title?: string | null;
  url?: string | null;
  desc?: string | null;
  /** Link cover / image given as a URL. `''` means "URL chosen, not typed yet". */
  picurl?: string | null;
  pic_url?: string | null;
  /** Hash of an uploaded image (`POST /api/media`) used as a permanent URL. */
  pic_media?: string | null;
  /** Hash of an uploaded file, video or image sent as a media_id. */
  media?: string | null;
  appid?: string | null;
  page?: string | null;
}

export interface ContentDraft {
  text?: string | null;
  attachments?: AttachmentDraft[] | null;
}

/** WeCom's limits (wecom-api.md §5). */
export const LIMITS = {
  textBytes: 4000,
  attachments: 9,
  linkTitleBytes: 128,
  linkDescBytes: 512,
  urlBytes: 2048,
  miniprogramTitleBytes: 64,
} as const;

/** Placeholders some senders fill per customer. */
export const PLACEHOLDERS = {
  name: '客户昵称',
  coupon: '优惠券',
  valid_until: '有效期',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;

export const ATTACHMENT_LABEL: Record<AttachmentType, string> = {
  image: '图片',
  link: '图文链接',
  miniprogram: '小程序卡片',
  video: '视频',
  file: '文件',
};

export interface ValidationOptions {
  /**
   * Placeholders the sender fills per customer: none for a campaign (everyone gets the same
   * text), `name` for a direct message, `name`, `coupon`, `valid_until` for automations.
   */
  placeholders?: readonly Placeholder[];
}

/** A field of the content and what is wrong with it; `path` is relative to the content. */
export interface ContentProblem {
  path: (string | number)[];
  message: string;
}

export function emptyContent(): ContentDraft {
  return { text: '', attachments: [] };
}

/** A new attachment of a type, as the editor adds it. */
export function newAttachment(msgtype: AttachmentType): AttachmentDraft {
  switch (msgtype) {
    case 'link':
      return { msgtype, title: '', url: '', desc: '' };
    case 'miniprogram':
      return { msgtype, title: '', appid: '', page: '', pic_media: null };
    case 'image':
      return { msgtype, pic_media: null };
    case 'video':
    case 'file':
      return { msgtype, media: null };
  }
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

const tooLong = (what: string, max: number) => `${what}不能超过 ${max} 字节（约 ${Math.floor(max / 3)} 个汉字）`;

function isHttpUrl(value: string): boolean {
  return /^https?:\/\/\S+$/.test(value) && utf8Bytes(value) <= LIMITS.urlBytes;
}

const trimmed = (value: string | null | undefined) => (value ?? '').trim();

/** The placeholders (`{name}` …) a text uses that the sender would not fill. */
function foreignPlaceholders(text: string, allowed: readonly Placeholder[]): Placeholder[] {
  return (Object.keys(PLACEHOLDERS) as Placeholder[]).filter(
    (p) => text.includes(`{${p}}`) && !allowed.includes(p),
  );
}

/** What is wrong with the text alone (length, placeholders); null when fine. */
export function textProblem(text: string | null | undefined, options: ValidationOptions = {}): string | null {
  const value = text ?? '';
  const bytes = utf8Bytes(value);
  if (bytes > LIMITS.textBytes) {
    return `消息文字不能超过 ${LIMITS.textBytes} 字节（当前 ${bytes} 字节，一个汉字约 3 字节）`;
  }
  const foreign = foreignPlaceholders(value, options.placeholders ?? []);
  if (foreign.length > 0) {
    if (foreign.includes('name') && (options.placeholders ?? []).length === 0) {
      return '群发的内容对每位客户都相同，不能使用 {name}；需要称呼客户时请使用单独发送或自动化规则';
    }
    const allowed = (options.placeholders ?? []).map((p) => `{${p}}`).join('、') || '无';
    return `不能使用 ${foreign.map((p) => `{${p}}`).join('、')}（此处可用的变量：${allowed}）`;
  }
  return null;
}

/** Which field of an attachment a problem is about. */
export type AttachmentField = 'title' | 'url' | 'desc' | 'picurl' | 'pic_url' | 'pic_media' | 'media' | 'appid' | 'page';

/** What is wrong with one attachment, field by field (the first problem of each field). */
export function attachmentProblems(attachment: AttachmentDraft): { field: AttachmentField; message: string }[] {
  const out: { field: AttachmentField; message: string }[] = [];
  const add = (field: AttachmentField, message: string) => {
    if (!out.some((p) => p.field === field)) out.push({ field, message });
  };
  const a = attachment;
  switch (a.msgtype) {
    case 'link': {
      const title = trimmed(a.title);
      if (!title) add('title', '请输入链接标题');
      else if (utf8Bytes(a.title ?? '') > LIMITS.linkTitleBytes) add('title', tooLong('链接标题', LIMITS.linkTitleBytes));
      const url = trimmed(a.url);
      if (!url) add('url', '请输入跳转链接');
      else if (!isHttpUrl(url)) add('url', '链接必须以 http:// 或 https:// 开头，且不超过 2048 字节');
      if (utf8Bytes(a.desc ?? '') > LIMITS.linkDescBytes) add('desc', tooLong('链接描述', LIMITS.linkDescBytes));
      if (a.picurl != null && a.pic_media != null) add('picurl', '链接封面只能提供图片链接或上传图片其中之一');
      if (a.picurl != null && !isHttpUrl(trimmed(a.picurl))) {
        add('picurl', trimmed(a.picurl) ? '封面链接必须以 http:// 或 https:// 开头' : '请输入封面图片链接，或选择其他封面');
      }
      break;
    }
    case 'miniprogram': {
      const title = trimmed(a.title);
      if (!title) add('title', '请输入小程序卡片标题');
      else if (utf8Bytes(a.title ?? '') > LIMITS.miniprogramTitleBytes) {
        add('title', tooLong('小程序标题', LIMITS.miniprogramTitleBytes));
      }
      const appid = trimmed(a.appid);
      if (!appid) add('appid', '请输入小程序 AppID');
      else if (!/^wx[0-9A-Za-z]{16}$/.test(appid)) add('appid', 'AppID 为 wx 开头的 18 位字符，可在小程序管理后台「开发管理」中查看');
      if (!trimmed(a.page)) add('page', '请输入小程序页面路径');
      if (!a.pic_media) add('pic_media', '请上传小程序卡片封面（建议 520×416 像素）');
      break;
    }
    case 'image': {
      const sources = [a.media, a.pic_media, a.pic_url].filter((v) => v != null);
      if (sources.length === 0 || (sources.length === 1 && a.pic_url === '')) {
        add(a.pic_url != null ? 'pic_url' : 'pic_media', a.pic_url != null ? '请输入图片链接' : '请上传图片');
      } else if (sources.length > 1) {
        add('pic_media', '图片只能有一种来源：上传的图片或图片链接');
      } else if (a.pic_url != null && !isHttpUrl(trimmed(a.pic_url))) {
        add('pic_url', '图片链接必须以 http:// 或 https:// 开头');
      }
      break;
    }
    case 'video':
      if (!a.media) add('media', '请上传视频（MP4）');
      break;
    case 'file':
      if (!a.media) add('media', '请上传文件');
      break;
  }
  return out;
}

/** Every problem of a content; empty when the API would take it. */
export function validateContent(draft: ContentDraft | null | undefined, options: ValidationOptions = {}): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const text = draft?.text ?? '';
  const attachments = draft?.attachments ?? [];
  if (!text.trim() && attachments.length === 0) {
    problems.push({ path: ['text'], message: '请输入消息文字或添加附件' });
  }
  const textIssue = textProblem(text, options);
  if (textIssue) problems.push({ path: ['text'], message: textIssue });
  if (attachments.length > LIMITS.attachments) {
    problems.push({ path: ['attachments'], message: `附件最多 ${LIMITS.attachments} 个` });
  }
  attachments.forEach((attachment, index) => {
    for (const problem of attachmentProblems(attachment)) {
      problems.push({ path: ['attachments', index, problem.field], message: problem.message });
    }
  });
  return problems;
}

function optional(value: string | null | undefined): string | undefined {
  const v = trimmed(value);
  return v ? v : undefined;
}

/** The API's shape of a draft: trimmed, empty optional fields left out. Validate first. */
export function toContent(draft: ContentDraft | null | undefined): Content {
  const attachments = (draft?.attachments ?? []).map((a): ContentAttachment => {
    switch (a.msgtype) {
      case 'link': {
        const link: ContentAttachment = { msgtype: 'link', title: trimmed(a.title), url: trimmed(a.url) };
        const desc = optional(a.desc);
        const picurl = optional(a.picurl);
        if (desc) link.desc = desc;
        if (picurl) link.picurl = picurl;
        else if (a.pic_media) link.pic_media = a.pic_media;
        return link;
      }
      case 'miniprogram':
        return {
          msgtype: 'miniprogram',
          title: trimmed(a.title),
          appid: trimmed(a.appid),
          page: trimmed(a.page),
          pic_media: a.pic_media ?? '',
        };
      case 'image': {
        const image: ContentAttachment = { msgtype: 'image' };
        if (a.media) image.media = a.media;
        else if (a.pic_media) image.pic_media = a.pic_media;
        else if (optional(a.pic_url)) image.pic_url = optional(a.pic_url);
        return image;
      }
      case 'video':
        return { msgtype: 'video', media: a.media ?? '' };
      case 'file':
        return { msgtype: 'file', media: a.media ?? '' };
    }
  });
  return { text: draft?.text ?? '', attachments };
}

/** A stored content as the composer edits it. */
export function fromContent(content: Content | null | undefined): ContentDraft {
  return {
    text: content?.text ?? '',
    attachments: (content?.attachments ?? []).map((a): AttachmentDraft => ({ ...a })),
  };
}

/**
 * The form field an API error names. The API names an attachment's field without its index
 * (`content.attachments.title`): the first attachment with a problem in that field takes it.
 * `prefix` is where the composer sits in the form (`['content']`).
 */
export function contentErrorPath(
  apiField: string,
  draft: ContentDraft | null | undefined,
  prefix: (string | number)[] = ['content'],
): (string | number)[] | null {
  const rest = apiField.replace(/^content\.?/, '');
  if (apiField !== 'content' && !apiField.startsWith('content.')) return null;
  if (rest === '' || rest === 'text') return [...prefix, 'text'];
  if (rest === 'attachments') {
    const attachments = draft?.attachments ?? [];
    const index = attachments.findIndex((a) => attachmentProblems(a).length > 0);
    if (index >= 0) {
      const field = attachmentProblems(attachments[index]!)[0]!.field;
      return [...prefix, 'attachments', index, field];
    }
    return [...prefix, 'text'];
  }
  const match = /^attachments\.(\w+)$/.exec(rest);
  if (!match) return [...prefix, 'text'];
  const field = match[1] as AttachmentField;
  const attachments = draft?.attachments ?? [];
  const holders = attachments
    .map((a, index) => ({ a, index }))
    .filter(({ a }) => field in a || (field === 'media' && a.pic_media != null));
  const withProblem = holders.find(({ a }) => attachmentProblems(a).some((p) => p.field === field));
  const target = withProblem ?? holders[0];
  if (!target) return [...prefix, 'text'];
  const name = field === 'media' && !('media' in target.a) ? 'pic_media' : field;
  return [...prefix, 'attachments', target.index, name];
}

/** A one-line description of a content, for lists: "文字 + 图文链接 ×2". */
export function contentSummary(content: Content | ContentDraft | null | undefined): string {
  const parts: string[] = [];
  if ((content?.text ?? '').trim()) parts.push('文字');
  const counts = new Map<AttachmentType, number>();
  for (const a of content?.attachments ?? []) counts.set(a.msgtype, (counts.get(a.msgtype) ?? 0) + 1);
  for (const [type, count] of counts) parts.push(count > 1 ? `${ATTACHMENT_LABEL[type]} ×${count}` : ATTACHMENT_LABEL[type]);
  return parts.join(' + ') || '（空）';
}
