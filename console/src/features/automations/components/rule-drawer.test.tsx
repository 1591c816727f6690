import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { configure, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NewAutomation } from '../api/automations';
import { TEMPLATE_TEXT } from '../api/form';
import { RuleDrawer } from './rule-drawer';

// Ant Design validates asynchronously; a loaded CI machine needs more than the default second.
configure({ asyncUtilTimeout: 10_000 });

const create = vi.fn<(variables: { body: NewAutomation }) => void>();

vi.mock('../api/automations', () => ({
  useCreateAutomation: () => ({ mutate: create, isPending: false }),
  useUpdateAutomation: () => ({ mutate: vi.fn(), isPending: false }),
}));

// jsdom does not implement getComputedStyle(elt, pseudoElt), which Ant Design's scroll lock asks.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => getComputedStyle(elt);

function renderDrawer() {
  return render(
    <QueryClientProvider client={new QueryClient()}>
      <ConfigProvider locale={zhCN} theme={{ token: { motion: false } }} wave={{ disabled: true }}>
        <AntApp>
          <RuleDrawer open editing={null} onClose={() => {}} />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>,
  );
}

const fill = (input: HTMLElement, value: string) => fireEvent.change(input, { target: { value } });

beforeEach(() => create.mockReset());

describe('the automation rule drawer', { timeout: 120_000 }, () => {
  it('creates a birthday rule 7 days ahead with its coupon; days out of range are refused as typed', async () => {
    const user = userEvent.setup({ delay: null, pointerEventsCheck: 0 });
    renderDrawer();
    fill(screen.getByRole('textbox', { name: '规则名称' }), '生日祝福');
    const days = screen.getByRole('spinbutton', { name: '触发天数' });
    fill(days, '61');
    expect(await screen.findByText('请输入 0 到 60 之间的整数')).toBeInTheDocument();
    fill(days, '7');
    fill(screen.getByRole('textbox', { name: '优惠券' }), '任意项目 9 折');
    await user.click(screen.getByRole('button', { name: /创\s*建/ }));
    await waitFor(() => expect(create).toHaveBeenCalled());
    expect(create.mock.calls[0]![0].body).toEqual({
      name: '生日祝福',
      kind: { type: 'birthday', days_ahead: 7, coupon: '任意项目 9 折' },
      text: TEMPLATE_TEXT.birthday,
      attachments: [],
      enabled: true,
      sender_policy: { type: 'own_consultant' },
    });
  });
});
