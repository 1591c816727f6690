import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { MemoryRouter } from 'react-router';
import { describe, expect, it, vi } from 'vitest';
import type { AutomationRule, AutomationRun } from '../api/automations';
import { RunsDrawer } from './runs-drawer';

const rule: AutomationRule = {
  id: 'bday7',
  name: '生日祝福',
  kind: { type: 'birthday', days_ahead: 7, coupon: '任意项目 9 折' },
  text: '{name}您好，生日快乐！{coupon}',
  attachments: [],
  enabled: true,
  sender_policy: { type: 'own_consultant' },
  created_by: 'manager@yanmei.example',
  created_at_ms: 1_795_000_000_000,
  updated_at_ms: 1_795_000_000_000,
};

const run = (id: string, extra: Partial<AutomationRun>): AutomationRun => ({
  id,
  rule_id: rule.id,
  at_ms: 1_795_100_000_000,
  day: '2026-12-14',
  items_read: 3,
  matched: 3,
  already_done: 0,
  handed_over: 0,
  campaign_ids: [],
  ...extra,
});

const runs: AutomationRun[] = [
  run('r-refused', {
    refused: { field: 'content.text', message: '消息文字不能超过 4000 字节' },
  }),
  run('r-sent', { handed_over: 3, campaign_ids: ['c1'] }),
];

vi.mock('../api/automations', () => ({
  useAutomationRuns: () => ({ data: { pages: [{ items: runs }] }, isPending: false, isError: false }),
  useCampaign: () => ({ data: undefined, isError: false }),
}));

// jsdom does not implement getComputedStyle(elt, pseudoElt), which Ant Design's scroll lock asks.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => getComputedStyle(elt);

describe('the automation runs drawer', { timeout: 60_000 }, () => {
  it('says why a run sent nothing and that nobody was marked as sent; a normal run shows its campaign', () => {
    render(
      <QueryClientProvider client={new QueryClient()}>
        <ConfigProvider locale={zhCN} theme={{ token: { motion: false } }}>
          <AntApp>
            <MemoryRouter>
              <RunsDrawer rule={rule} onClose={() => {}} />
            </MemoryRouter>
          </AntApp>
        </ConfigProvider>
      </QueryClientProvider>,
    );
    const refused = screen.getByTestId('automation-run-r-refused');
    const alert = within(refused).getByRole('alert');
    expect(alert).toHaveTextContent('本次没有发送');
    expect(alert).toHaveTextContent('消息文字不能超过 4000 字节');
    expect(alert).toHaveTextContent('没有被记为已发送');
    expect(within(refused).queryByText('本次没有需要发送的客户。')).not.toBeInTheDocument();

    const sent = screen.getByTestId('automation-run-r-sent');
    expect(within(sent).queryByRole('alert')).not.toBeInTheDocument();
    expect(within(sent).getByText('本次移交发送')).toBeInTheDocument();
  });
});
