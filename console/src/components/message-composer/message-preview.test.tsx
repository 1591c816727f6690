import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { rememberMedia } from './media';
import { MessagePreview } from './message-preview';

describe('MessagePreview', () => {
  it('says what to do while the content is empty', () => {
    render(<MessagePreview content={{ text: '', attachments: [] }} />);
    expect(screen.getByText(/输入消息文字或添加附件后/)).toBeInTheDocument();
  });

  it('shows the text as a chat bubble from the consultant, links highlighted and placeholders filled', () => {
    const { container } = render(
      <MessagePreview
        content={{ text: '{name}，双十二焕新季 https://yanmei.example/double12 欢迎预约' }}
        senderName="张三"
        customerName="李女士"
        samples={{ name: '王女士' }}
      />,
    );
    const bubble = container.querySelector('[data-kind="text"]')!;
    expect(bubble.textContent).toBe('王女士，双十二焕新季 https://yanmei.example/double12 欢迎预约');
    expect(within(bubble as HTMLElement).getByText('https://yanmei.example/double12')).toHaveClass('wx-bubble__link');
    expect(screen.getByText('张三')).toBeInTheDocument();
    expect(screen.getByText('@深圳妍美')).toBeInTheDocument();
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
  });

  it('shows a link card with title, description and the uploaded cover', () => {
    rememberMedia({ hash: 'cover1', filename: 'poster.png', size: 2048, kind: 'image', dataUrl: 'data:image/png;base64,AAAA' });
    const { container } = render(
      <MessagePreview
        content={{
          text: '',
          attachments: [{ msgtype: 'link', title: '三八妇女节特惠', url: 'https://a.cn', desc: '水光针 8 折', pic_media: 'cover1' }],
        }}
      />,
    );
    const card = container.querySelector('[data-kind="link"]')!;
    expect(card.textContent).toContain('三八妇女节特惠');
    expect(card.textContent).toContain('水光针 8 折');
    expect(within(card as HTMLElement).getByRole('img', { name: '链接封面' })).toHaveAttribute('src', 'data:image/png;base64,AAAA');
  });

  it('does not load external images (CSP) but says one is there', () => {
    const { container } = render(
      <MessagePreview content={{ attachments: [{ msgtype: 'link', title: 't', url: 'https://a.cn', picurl: 'https://cdn/x.png' }] }} />,
    );
    expect(container.querySelector('img')).toBeNull();
    expect(screen.getByRole('img', { name: '链接封面（外部图片）' })).toBeInTheDocument();
  });

  it('shows a mini-program card, a file tile with name and size, an image and a video', () => {
    rememberMedia({ hash: 'pdf1', filename: '价目表.pdf', size: 150 * 1024, kind: 'file' });
    const { container } = render(
      <MessagePreview
        content={{
          text: '附件请查收',
          attachments: [
            { msgtype: 'miniprogram', title: '在线预约', appid: 'wx0123456789abcdef', page: 'p.html', pic_media: 'unknown' },
            { msgtype: 'file', media: 'pdf1' },
            { msgtype: 'image', pic_media: 'missing' },
            { msgtype: 'video', media: null },
          ],
        }}
      />,
    );
    const mp = container.querySelector('[data-kind="miniprogram"]')!;
    expect(mp.textContent).toContain('在线预约');
    expect(mp.textContent).toContain('小程序');
    const file = container.querySelector('[data-kind="file"]')!;
    expect(file.textContent).toContain('价目表.pdf');
    expect(file.textContent).toContain('150.0 KB');
    expect(file.textContent).toContain('PDF');
    expect(screen.getByRole('img', { name: '图片（已上传）' })).toBeInTheDocument();
    expect(container.querySelector('[data-kind="video"]')!.textContent).toContain('未选择视频');
    expect(screen.getAllByRole('listitem')).toHaveLength(5);
    // An incomplete attachment (the video without a file) is outlined.
    expect(container.querySelectorAll('.wx-problem')).toHaveLength(1);
  });
});
