import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { describe, expect, it, vi } from 'vitest';
import type { SyncRun } from '../api/sync';
import { SyncTab } from './sync-tab';

const failed: SyncRun = {
  run_id: 'run-3',
  status: 'failed',
  phase: 'end_missing',
  started_at_ms: 1_795_100_000_000,
  finished_at_ms: 1_795_100_004_000,
  updated_at_ms: 1_795_100_004_000,
  staff: [],
  batch_index: 0,
  cursor: '',
  pages: 0,
  customers_seen: 0,
  customers_added: 0,
  customers_changed: 0,
  relationships_seen: 0,
  relationships_added: 0,
  relationships_changed: 0,
  relationships_ended: 0,
  wecom_calls: 2,
  errors: 1,
  last_error: 'WeCom listed no staff with customer contact while 120 relationships are active',
  customers_unwritten: 0,
  unwritten_customers: [],
  store_retries: 0,
};

const partly: SyncRun = {
  ...failed,
  run_id: 'run-4',
  status: 'done',
  phase: 'finished',
  pages: 3,
  customers_added: 248,
  errors: 0,
  last_error: 'a customer could not be written after 6 attempts: store unavailable: throttled',
  customers_unwritten: 2,
  unwritten_customers: ['wmA1', 'wmB2'],
  store_retries: 41,
};

const notStarted: SyncRun = {
  ...failed,
  run_id: 'run-5',
  status: 'not_started',
  phase: 'prepare',
  wecom_calls: 0,
  last_error: 'its first step could not be queued',
};

let shown = failed;

vi.mock('../api/sync', () => ({
  useSyncRuns: () => ({ data: { items: [shown] }, isPending: false, isError: false }),
  useSyncRun: () => ({ data: shown, isError: false }),
  useStartSync: () => ({ mutate: vi.fn(), isPending: false, isError: false }),
}));

// jsdom does not implement getComputedStyle(elt, pseudoElt), which Ant Design's table asks.
const getComputedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (elt: Element) => getComputedStyle(elt);

function renderTab() {
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ConfigProvider locale={zhCN} theme={{ token: { motion: false } }}>
        <AntApp>
          <SyncTab />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>,
  );
}

describe('the sync tab', { timeout: 60_000 }, () => {
  it('shows a run that refused to end relationships as failed, says nothing was ended and why', () => {
    shown = failed;
    renderTab();
    const progress = screen.getByTestId('sync-progress');
    expect(within(progress).getAllByText('同步失败').length).toBeGreaterThan(0);
    expect(within(progress).getByText('这次同步没有把任何客户关系标记为流失')).toBeInTheDocument();
    expect(within(progress).getByText(/最近的错误：WeCom listed no staff/)).toBeInTheDocument();
    expect(within(progress).queryByText(/已中断/)).not.toBeInTheDocument();
  });

  it('says how many customers a finished run could not write, and which', () => {
    shown = partly;
    renderTab();
    const progress = screen.getByTestId('sync-progress');
    expect(within(progress).getByText('2 位客户未能写入')).toBeInTheDocument();
    expect(within(progress).getByText(/客户 ID：wmA1、wmB2/)).toBeInTheDocument();
    expect(within(progress).getByText(/最近的错误：a customer could not be written/)).toBeInTheDocument();
    expect(within(progress).getByText('41')).toBeInTheDocument();
  });

  it('shows a run whose first step could not be queued as not started, with nothing read or changed', () => {
    shown = notStarted;
    renderTab();
    const progress = screen.getByTestId('sync-progress');
    expect(within(progress).getAllByText('未能开始').length).toBeGreaterThan(0);
    expect(within(progress).getByText('这次同步未能开始')).toBeInTheDocument();
    expect(within(progress).getByText(/没有读取或修改任何数据/)).toBeInTheDocument();
    expect(within(progress).queryByText('这次同步没有把任何客户关系标记为流失')).not.toBeInTheDocument();
  });
});
