import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { describe, expect, it, vi } from 'vitest';
import { describeCounter, describeField, type RebuildReport } from '../api/stats-check';
import { StatsCheckTab } from './stats-check-tab';

const state: { report?: RebuildReport; mutate: ReturnType<typeof vi.fn> } = { mutate: vi.fn() };

vi.mock('../api/stats-check', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/stats-check')>()),
  useStatsCheck: () => ({
    mutate: state.mutate,
    data: state.report,
    isPending: false,
    isError: false,
    variables: undefined,
  }),
}));

// jsdom does not implement getComputedStyle(elt, pseudoElt), which Ant Design's table asks.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => getComputedStyle(elt);

function show() {
  return render(
    <QueryClientProvider client={new QueryClient()}>
      <ConfigProvider locale={zhCN} theme={{ token: { motion: false } }}>
        <AntApp>
          <StatsCheckTab />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>,
  );
}

describe('the statistics check', { timeout: 60_000 }, () => {
  it('names counters in the console’s words', () => {
    expect(describeCounter('AGG#CHANNEL', 'DAY#2026-12-01#douyin')).toBe('渠道 douyin · 2026-12-01');
    expect(describeCounter('AGG#CHANNEL', 'DAY#2026-12-01#')).toBe('渠道 （无渠道） · 2026-12-01');
    expect(describeCounter('AGG#CWAY', 'cfg1')).toBe('「联系我」 cfg1');
    expect(describeCounter('AGG#CAMPAIGN#c9', 'CLICKS')).toBe('群发 c9 · 点击');
    expect(describeField('customers_connected')).toBe('新增客户中仍为好友');
    expect(describeField('tier:A|sent')).toBe('tier:A|sent');
  });

  it('checks on a click and lists each counter that differs, with both values', async () => {
    state.report = {
      records: 1200,
      counters: 40,
      corrected: 0,
      differences: [{ pk: 'AGG#CHANNEL', sk: 'DAY#2026-12-01#douyin', field: 'added', expected: 12, actual: 11 }],
    };
    const user = userEvent.setup();
    show();
    await user.click(screen.getByRole('button', { name: /校\s*验$/ }));
    expect(state.mutate).toHaveBeenCalledWith({ body: { apply: false } });
    const result = screen.getByTestId('stats-check-result');
    expect(within(result).getByText(/发现 1 处不一致/)).toBeInTheDocument();
    const row = within(result).getByText('渠道 douyin · 2026-12-01').closest('tr')!;
    expect(within(row).getByText('添加（客户关系）')).toBeInTheDocument();
    expect(within(row).getByText('12')).toBeInTheDocument();
    expect(within(row).getByText('11')).toBeInTheDocument();
  });

  it('says when everything agrees', () => {
    state.report = { records: 1200, counters: 40, corrected: 0, differences: [] };
    show();
    expect(screen.getByText('全部一致：共 40 项统计，核对了 1200 条记录。')).toBeInTheDocument();
  });
});
