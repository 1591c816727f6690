import { configure, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewHandoverBody } from '../api/handovers';
import { OnJobForm } from './on-job-form';

configure({ asyncUtilTimeout: 10_000 });

const create = vi.fn<(variables: { body: NewHandoverBody }) => void>();

vi.mock('../api/handovers', () => ({
  useCreateHandover: () => ({ mutate: create, isPending: false }),
  useConsultantCustomers: (userid: string | undefined) => ({
    isLoading: false,
    data: userid
      ? {
          items: [
            { external_userid: 'wmA', name: '王女士', first_added_at_ms: 1_700_000_000_000 },
            { external_userid: 'wmB', name: '李女士', first_added_at_ms: 1_700_000_000_000 },
          ],
        }
      : undefined,
  }),
}));

function renderForm() {
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
          <OnJobForm onCreated={() => {}} />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>,
  );
}

/** Opens the select, searches the name and clicks the matching option. */
async function pick(label: string, name: string) {
  const input = screen.getByRole('combobox', { name: label });
  fireEvent.mouseDown(input);
  fireEvent.change(input, { target: { value: name } });
  const open = () =>
    screen
      .getAllByTitle(new RegExp(`^${name}（`))
      .find(
        (o) =>
          o.classList.contains('ant-select-item-option') &&
          !o.closest('.ant-select-dropdown')?.classList.contains('ant-select-dropdown-hidden'),
      );
  await waitFor(() => expect(open()).toBeDefined());
  fireEvent.click(open()!);
}

// jsdom does not implement getComputedStyle(elt, pseudoElt), which Ant Design's scroll lock asks.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => getComputedStyle(elt);

const setup = () => userEvent.setup({ delay: null, pointerEventsCheck: 0 });

beforeEach(() => {
  create.mockReset();
});

describe('在职继承', { timeout: 120_000 }, () => {
  it('needs both consultants, refuses the same one as you pick, and sends the chosen customers', async () => {
    const user = setup();
    renderForm();
    await user.click(screen.getByRole('button', { name: '发起在职继承' }));
    expect(await screen.findByText('请选择原跟进成员')).toBeInTheDocument();
    expect(await screen.findByText('请选择接替成员')).toBeInTheDocument();
    expect(create).not.toHaveBeenCalled();

    await pick('原跟进成员', '张三');
    expect(await screen.findByText('王女士')).toBeInTheDocument();
    await pick('接替成员', '张三');
    expect(await screen.findByText('接替成员不能是原跟进成员本人')).toBeInTheDocument();
    await pick('接替成员', '李四');
    await waitFor(() => expect(screen.queryByText('接替成员不能是原跟进成员本人')).not.toBeInTheDocument());

    await user.click(screen.getByRole('checkbox', { name: '选择客户 王女士' }));
    fireEvent.change(screen.getByRole('textbox', { name: '转接提示语' }), { target: { value: '您好，之后由李四为您服务' } });
    await user.click(screen.getByRole('button', { name: '发起在职继承' }));
    await waitFor(() => expect(create).toHaveBeenCalled());
    expect(create.mock.calls[0]![0]).toEqual({
      body: {
        kind: 'on_job',
        handover_userid: 'zhangsan',
        takeover_userid: 'lisi',
        message: '您好，之后由李四为您服务',
        external_userids: ['wmA'],
      },
    });
  });
});
