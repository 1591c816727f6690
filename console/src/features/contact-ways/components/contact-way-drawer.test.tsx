import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContactWayPatch, ContactWayView, NewContactWay } from '../api/contact-ways';
import { ContactWayDrawer } from './contact-way-drawer';

// Ant Design validates asynchronously; a loaded CI machine needs more than the default second.
configure({ asyncUtilTimeout: 10_000 });

const create = vi.fn<(variables: { body: NewContactWay }) => void>();
const update = vi.fn<(variables: { params: unknown; body: ContactWayPatch }) => void>();

vi.mock('../api/contact-ways', () => ({
  useCreateContactWay: () => ({ mutate: create, isPending: false }),
  useUpdateContactWay: () => ({ mutate: update, isPending: false }),
  useChannels: () => ({ data: { xiaohongshu: { label: '小红书', tag_name: '来源:小红书', tag_group: '来源渠道' } } }),
}));

function renderDrawer(editing: ContactWayView | null = null) {
  const queryClient = new QueryClient();
  queryClient.setQueryData(['get', '/api/staff', {}], {
    items: [
      { userid: 'zhangsan', name: '张三', label: '张三', customer_contact: true },
      { userid: 'lisi', name: '李四', label: '李四', customer_contact: true },
    ],
  });
  return render(
    <QueryClientProvider client={queryClient}>
      <ConfigProvider locale={zhCN} theme={{ token: { motion: false } }} wave={{ disabled: true }}>
        <AntApp>
          <ContactWayDrawer open editing={editing} onClose={() => {}} />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>,
  );
}

type User = ReturnType<typeof userEvent.setup>;

/** Typing is slow in jsdom: set the value at once, as a paste would. */
function fill(input: HTMLElement, value: string) {
  fireEvent.change(input, { target: { value } });
}

/** Picks a member by name, as the clinic does: search, then Enter on the match. */
function pickMember(name: string) {
  const input = screen.getByRole('combobox', { name: '成员' });
  fireEvent.mouseDown(input);
  fill(input, name);
  fireEvent.keyDown(input, { key: 'Enter', code: 'Enter', keyCode: 13 });
}

const submit = (user: User) => user.click(screen.getByRole('button', { name: /创\s*建/ }));

const setup = () => userEvent.setup({ delay: null, pointerEventsCheck: 0 });

// jsdom does not implement getComputedStyle(elt, pseudoElt), which Ant Design's scroll lock asks.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => getComputedStyle(elt);

beforeEach(() => {
  create.mockReset();
  update.mockReset();
});

describe('the 「联系我」 drawer', { timeout: 120_000 }, () => {
  it('creates a single-member way with its channel, and needs its member', async () => {
    const user = setup();
    renderDrawer();
    await submit(user);
    expect(await screen.findByText('单人「联系我」需要指定一名成员')).toBeInTheDocument();
    expect(create).not.toHaveBeenCalled();
    fill(screen.getByRole('combobox', { name: /渠道/ }), 'xiaohongshu');
    pickMember('张三');
    expect(await screen.findByText(/客户将打上「来源:小红书」标签/)).toBeInTheDocument();
    await submit(user);
    await waitFor(() => expect(create).toHaveBeenCalled());
    expect(create.mock.calls[0]![0]).toEqual({
      body: { type: 1, scene: 2, skip_verify: true, user: ['zhangsan'], state: 'xiaohongshu' },
    });
  });

  it('a temporary session checks its validity as you type and sends it with its closing message', async () => {
    const user = setup();
    renderDrawer();
    pickMember('张三');
    await user.click(screen.getByRole('switch', { name: '启用临时会话' }));
    const chat = screen.getByRole('spinbutton', { name: '会话有效期' });
    fill(chat, '337');
    expect(await screen.findByText('会话有效期不能超过 14 天（336 小时）')).toBeInTheDocument();
    fill(chat, '48');
    await waitFor(() => expect(chat.closest('.ant-form-item')).not.toHaveClass('ant-form-item-has-error'));

    fill(screen.getByRole('textbox', { name: '结束语文字' }), '感谢您的咨询');
    await user.click(screen.getByRole('radio', { name: '链接' }));
    fill(screen.getByRole('textbox', { name: '链接标题' }), '项目介绍');
    fill(screen.getByRole('textbox', { name: '链接地址' }), 'https://yanmei.example/a');
    await submit(user);
    await waitFor(() => expect(create).toHaveBeenCalled());
    expect(create.mock.calls[0]![0].body).toEqual({
      type: 1,
      scene: 2,
      skip_verify: true,
      user: ['zhangsan'],
      is_temp: true,
      expires_in: 7 * 86_400,
      chat_expires_in: 48 * 3600,
      conclusions: { text: { content: '感谢您的咨询' }, link: { title: '项目介绍', url: 'https://yanmei.example/a' } },
    });
  });

  it('edits only what changed and cannot change the type', async () => {
    const user = setup();
    const way: ContactWayView = {
      config_id: 'cfg9',
      status: 'active',
      created_at_ms: 1,
      updated_at_ms: 1,
      created_by: 'admin',
      customers_added: 0,
      still_connected: 0,
      contact_way: {
        config_id: 'cfg9',
        type: 2,
        scene: 2,
        remark: '',
        skip_verify: true,
        state: 'douyin',
        user: ['zhangsan', 'lisi'],
        party: [],
        is_temp: false,
        is_exclusive: false,
      },
    };
    renderDrawer(way);
    expect(screen.getByRole('radio', { name: '单人' })).toBeDisabled();
    const members = screen.getByRole('combobox', { name: '成员' }).closest('.ant-select') as HTMLElement;
    await user.click(within(members).getAllByLabelText('close')[0]!);
    fill(screen.getByRole('textbox', { name: '备注' }), '直播间');
    await user.click(screen.getByRole('button', { name: /保\s*存/ }));
    await waitFor(() => expect(update).toHaveBeenCalled());
    expect(update.mock.calls[0]![0]).toEqual({
      params: { path: { config_id: 'cfg9' } },
      body: { remark: '直播间', user: ['lisi'] },
    });
  });
});
