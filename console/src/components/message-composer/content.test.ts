import { describe, expect, it } from 'vitest';
import {
  contentErrorPath,
  contentSummary,
  fromContent,
  toContent,
  validateContent,
  type ContentDraft,
} from './content';

const messages = (draft: ContentDraft, placeholders: ('name' | 'coupon' | 'valid_until')[] = []) =>
  validateContent(draft, { placeholders }).map((p) => `${p.path.join('.')}: ${p.message}`);

describe('validateContent', () => {
  it('asks for a text or an attachment', () => {
    expect(messages({ text: '  ', attachments: [] })).toEqual(['text: 请输入消息文字或添加附件']);
    expect(messages({ text: '您好' })).toEqual([]);
  });

  it('counts the text in UTF-8 bytes, as WeCom does (4000)', () => {
    expect(messages({ text: '好'.repeat(1333) })).toEqual([]);
    expect(messages({ text: '好'.repeat(1334) })[0]).toMatch(/不能超过 4000 字节（当前 4002 字节/);
  });

  it('refuses {name} in a campaign, where everyone gets the same text', () => {
    expect(messages({ text: '您好 {name}' })[0]).toMatch(/不能使用 \{name\}/);
    expect(messages({ text: '您好 {name}' }, ['name'])).toEqual([]);
    expect(messages({ text: '{coupon}' }, ['name'])[0]).toBe('text: 不能使用 {coupon}（此处可用的变量：{name}）');
  });

  it('checks a link card like the API: title, http(s) URL, byte limits, one cover', () => {
    expect(messages({ attachments: [{ msgtype: 'link', title: '', url: 'ftp://x' }] })).toEqual([
      'attachments.0.title: 请输入链接标题',
      'attachments.0.url: 链接必须以 http:// 或 https:// 开头，且不超过 2048 字节',
    ]);
    expect(messages({ attachments: [{ msgtype: 'link', title: '标'.repeat(43), url: 'https://a.cn' }] })[0]).toMatch(
      /attachments\.0\.title: 链接标题不能超过 128 字节/,
    );
    expect(messages({ attachments: [{ msgtype: 'link', title: 't', url: 'https://a.cn', desc: 'd'.repeat(513) }] })[0]).toMatch(
      /desc: 链接描述不能超过 512 字节/,
    );
    expect(
      messages({ attachments: [{ msgtype: 'link', title: 't', url: 'https://a.cn', picurl: 'https://p', pic_media: 'abc' }] }),
    ).toEqual(['attachments.0.picurl: 链接封面只能提供图片链接或上传图片其中之一']);
    expect(messages({ attachments: [{ msgtype: 'link', title: 't', url: 'https://a.cn', picurl: '' }] })).toEqual([
      'attachments.0.picurl: 请输入封面图片链接，或选择其他封面',
    ]);
  });

  it('checks a mini-program card: title ≤ 64 bytes, AppID, page, cover', () => {
    expect(messages({ attachments: [{ msgtype: 'miniprogram', title: '', appid: 'abc', page: '' }] })).toEqual([
      'attachments.0.title: 请输入小程序卡片标题',
      'attachments.0.appid: AppID 为 wx 开头的 18 位字符，可在小程序管理后台「开发管理」中查看',
      'attachments.0.page: 请输入小程序页面路径',
      'attachments.0.pic_media: 请上传小程序卡片封面（建议 520×416 像素）',
    ]);
    expect(
      messages({
        attachments: [{ msgtype: 'miniprogram', title: '预约', appid: 'wx0123456789abcdef', page: 'pages/a.html', pic_media: 'h' }],
      }),
    ).toEqual([]);
  });

  it('wants exactly one source for an image and a file for files and videos', () => {
    expect(messages({ attachments: [{ msgtype: 'image' }] })).toEqual(['attachments.0.pic_media: 请上传图片']);
    expect(messages({ attachments: [{ msgtype: 'image', pic_url: '' }] })).toEqual(['attachments.0.pic_url: 请输入图片链接']);
    expect(messages({ attachments: [{ msgtype: 'image', pic_media: 'h', pic_url: 'https://x' }] })).toEqual([
      'attachments.0.pic_media: 图片只能有一种来源：上传的图片或图片链接',
    ]);
    expect(messages({ attachments: [{ msgtype: 'file', media: null }] })).toEqual(['attachments.0.media: 请上传文件']);
    expect(messages({ attachments: [{ msgtype: 'video' }] })).toEqual(['attachments.0.media: 请上传视频（MP4）']);
  });

  it('allows at most 9 attachments', () => {
    const ten = Array.from({ length: 10 }, () => ({ msgtype: 'file' as const, media: 'h' }));
    expect(messages({ attachments: ten })).toEqual(['attachments: 附件最多 9 个']);
  });
});

describe('toContent / fromContent', () => {
  it('trims and leaves out empty optional fields, in the API shape', () => {
    expect(
      toContent({
        text: '您好',
        attachments: [
          { msgtype: 'link', title: ' 标题 ', url: ' https://a.cn ', desc: '', picurl: null, pic_media: 'cover' },
          { msgtype: 'image', pic_media: 'img', pic_url: null },
          { msgtype: 'miniprogram', title: '预约', appid: 'wx0123456789abcdef', page: 'p.html', pic_media: 'mp' },
          { msgtype: 'file', media: 'f' },
        ],
      }),
    ).toEqual({
      text: '您好',
      attachments: [
        { msgtype: 'link', title: '标题', url: 'https://a.cn', pic_media: 'cover' },
        { msgtype: 'image', pic_media: 'img' },
        { msgtype: 'miniprogram', title: '预约', appid: 'wx0123456789abcdef', page: 'p.html', pic_media: 'mp' },
        { msgtype: 'file', media: 'f' },
      ],
    });
  });

  it('round-trips a stored content', () => {
    const stored = {
      text: 'hi',
      attachments: [{ msgtype: 'link' as const, title: 't', url: 'https://a.cn', picurl: 'https://p.cn/x.png' }],
    };
    expect(toContent(fromContent(stored))).toEqual(stored);
  });
});

describe('contentErrorPath', () => {
  const draft: ContentDraft = {
    text: 'x',
    attachments: [
      { msgtype: 'link', title: 'ok', url: 'https://a.cn' },
      { msgtype: 'link', title: '', url: 'https://b.cn' },
    ],
  };

  it('puts the API error on the attachment that has that problem', () => {
    expect(contentErrorPath('content.attachments.title', draft)).toEqual(['content', 'attachments', 1, 'title']);
    expect(contentErrorPath('content.text', draft)).toEqual(['content', 'text']);
    expect(contentErrorPath('content', draft, ['msg'])).toEqual(['msg', 'text']);
    expect(contentErrorPath('audience', draft)).toBeNull();
  });

  it('falls back to the first attachment with the field', () => {
    expect(contentErrorPath('content.attachments.url', draft)).toEqual(['content', 'attachments', 0, 'url']);
  });
});

it('summarises a content in a few words', () => {
  expect(
    contentSummary({
      text: 'x',
      attachments: [
        { msgtype: 'link', title: 'a', url: 'https://a' },
        { msgtype: 'link', title: 'b', url: 'https://b' },
        { msgtype: 'file', media: 'f' },
      ],
    }),
  ).toBe('文字 + 图文链接 ×2 + 文件');
});
