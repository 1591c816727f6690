import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Button, Form, type FormInstance } from 'antd';
import { useEffect } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { toContent, type ContentDraft, type Placeholder } from './content';
import { MessageComposer } from './message-composer';

const post = vi.hoisted(() => vi.fn());
vi.mock('@/lib/api/client', () => ({ api: { POST: post } }));

const holder: { form?: FormInstance } = {};
const read = () => holder.form!.getFieldValue('content') as ContentDraft;

function Harness({ placeholders = [] }: { placeholders?: Placeholder[] }) {
  const [form] = Form.useForm();
  useEffect(() => {
    holder.form = form;
  }, [form]);
  return (
    <Form form={form} layout="vertical" initialValues={{ content: { text: '', attachments: [] } }}>
      <MessageComposer name="content" placeholders={placeholders} senderName="张三" />
      <Button htmlType="submit">保存内容</Button>
    </Form>
  );
}

// antd forms in jsdom are slow on a busy machine: wait longer for what they show.
configure({ asyncUtilTimeout: 10_000 });
vi.setConfig({ testTimeout: 60_000 });

beforeEach(() => post.mockReset());

describe('MessageComposer', () => {
  it('validates the text as it is typed and previews it live', async () => {
    render(<Harness />);
    const text = screen.getByLabelText('消息文字');
    const type = (value: string) => fireEvent.change(text, { target: { value } });
    type('您好 {name}');
    expect(await screen.findByText(/群发的内容对每位客户都相同，不能使用 \{name\}/)).toBeInTheDocument();
    type('双十二焕新季');
    await waitFor(() => expect(screen.queryByText(/不能使用/)).not.toBeInTheDocument());
    const preview = screen.getByRole('figure', { name: /消息预览/ });
    expect(within(preview).getByText('双十二焕新季')).toBeInTheDocument();
    expect(screen.getByText('18 / 4000 字节')).toBeInTheDocument();
    type('');
    expect(await screen.findByText('请输入消息文字或添加附件')).toBeInTheDocument();
  });

  it('inserts placeholders where they are allowed', async () => {
    const user = userEvent.setup({ delay: null });
    render(<Harness placeholders={['name']} />);
    await user.click(screen.getByRole('button', { name: /\{name\} 客户昵称/ }));
    expect(read().text).toBe('{name}');
    const preview = screen.getByRole('figure', { name: /消息预览/ });
    expect(within(preview).getByText('李女士')).toBeInTheDocument();
  });

  it('edits a 图文链接 card with checks on every field, shown in the preview', async () => {
    const user = userEvent.setup({ delay: null });
    render(<Harness />);
    await user.click(within(screen.getByRole('group', { name: '添加附件' })).getByRole('button', { name: /图文链接/ }));
    // The text may stay empty once there is an attachment.
    const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
    change('标题', '双十二焕新季');
    change('跳转链接', 'yanmei.example/book');
    expect(await screen.findByText('链接必须以 http:// 或 https:// 开头，且不超过 2048 字节')).toBeInTheDocument();
    change('跳转链接', 'https://yanmei.example/book');
    change('描述', '限时优惠，点击预约');
    await waitFor(() => expect(screen.queryByText(/链接必须以/)).not.toBeInTheDocument());
    const card = document.querySelector('[data-kind="link"]')!;
    expect(card.textContent).toContain('双十二焕新季');
    expect(card.textContent).toContain('限时优惠，点击预约');
    expect(toContent(read())).toEqual({
      text: '',
      attachments: [{ msgtype: 'link', title: '双十二焕新季', url: 'https://yanmei.example/book', desc: '限时优惠，点击预约' }],
    });
  });

  it('uploads an image through POST /api/media and refuses what WeCom would not take', async () => {
    const user = userEvent.setup({ applyAccept: false, delay: null });
    post.mockResolvedValue({
      data: { hash: 'h-poster', filename: 'poster.png', kind: 'image', size: 10, uploads: 0, created_at_ms: 1 },
    });
    render(<Harness />);
    await user.click(within(screen.getByRole('group', { name: '添加附件' })).getByRole('button', { name: /图片/ }));
    const input = () => document.querySelector<HTMLInputElement>('input[type="file"]')!;

    await user.upload(input(), new File(['GIF89a-not-allowed'], 'anim.gif', { type: 'image/gif' }));
    expect(await screen.findByText('图片仅支持 JPG、PNG 格式')).toBeInTheDocument();
    await user.upload(input(), new File([new Uint8Array(300 * 1024)], 'big.png', { type: 'image/png' }));
    expect(await screen.findByText(/文件不能超过 256 KB/)).toBeInTheDocument();
    expect(post).not.toHaveBeenCalled();

    await user.upload(input(), new File(['\x89PNG-bytes'], 'poster.png', { type: 'image/png' }));
    await waitFor(() => expect(read().attachments?.[0]?.pic_media).toBe('h-poster'));
    expect(post).toHaveBeenCalledWith('/api/media', {
      body: { filename: 'poster.png', kind: 'image', data_base64: expect.any(String) as string },
    });
    const preview = screen.getByRole('figure', { name: /消息预览/ });
    expect(within(preview).getByRole('img', { name: '图片' })).toHaveAttribute('src', expect.stringMatching(/^data:image\/png;base64,/));
  });

  it("shows the API's message when an upload is refused", async () => {
    const user = userEvent.setup({ delay: null });
    post.mockResolvedValue({ error: { error: { code: 'invalid_field', message: '文件内容必须是 base64 编码', field: 'data_base64' } } });
    render(<Harness />);
    await user.click(within(screen.getByRole('group', { name: '添加附件' })).getByRole('button', { name: /文件/ }));
    await user.upload(document.querySelector<HTMLInputElement>('input[type="file"]')!, new File(['hello world'], 'a.pdf'));
    expect(await screen.findByText('文件内容必须是 base64 编码')).toBeInTheDocument();
    expect(read().attachments?.[0]?.media).toBeNull();
  });

  it('asks for the mini-program fields on submit', async () => {
    const user = userEvent.setup({ delay: null });
    render(<Harness />);
    await user.click(within(screen.getByRole('group', { name: '添加附件' })).getByRole('button', { name: /小程序卡片/ }));
    await user.click(screen.getByRole('button', { name: '保存内容' }));
    expect(await screen.findByText('请输入小程序卡片标题')).toBeInTheDocument();
    expect(screen.getByText('请输入小程序 AppID')).toBeInTheDocument();
    expect(screen.getByText('请输入小程序页面路径')).toBeInTheDocument();
    expect(screen.getByText('请上传小程序卡片封面（建议 520×416 像素）')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('页面路径'), { target: { value: 'pages/index' } });
    expect(await screen.findByText(/企业微信要求页面路径以 .html 结尾/)).toBeInTheDocument();
  });
});
