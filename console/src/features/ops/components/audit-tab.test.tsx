import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry, ChainReport } from '../api/audit';
import { AuditTab } from './audit-tab';

const state: { report?: ChainReport; items: AuditEntry[]; refetch: ReturnType<typeof vi.fn> } = {
  items: [],
  refetch: vi.fn(),
};

vi.mock('../api/audit', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../api/audit')>()),
  useAuditLogs: () => ({
    items: state.items,
    isPending: false,
    isError: false,
    isRefetching: false,
    hasNextPage: false,
    refetch: vi.fn(),
  }),
  useAuditVerify: () => ({
    data: state.report,
    refetch: state.refetch,
    isFetching: false,
    isError: false,
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
          <AuditTab />
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>,
  );
}

const intact: ChainReport = {
  intact: true,
  checked: 320,
  first_seq: 1,
  first_at_ms: 1_765_000_000_000,
  last_seq: 320,
  last_at_ms: 1_765_000_100_000,
  head_seq: 320,
  broken: null,
};

describe('the audit log', { timeout: 60_000 }, () => {
  beforeEach(() => {
    state.report = undefined;
    state.items = [];
    state.refetch = vi.fn();
  });

  it('verifies the chain on a click and says it is intact', async () => {
    const user = userEvent.setup();
    const { rerender } = show();
    expect(screen.queryByTestId('audit-verify-result')).toBeNull();
    await user.click(screen.getByRole('button', { name: /校验完整性/ }));
    expect(state.refetch).toHaveBeenCalledTimes(1);
    state.report = intact;
    rerender(
      <QueryClientProvider client={new QueryClient()}>
        <ConfigProvider locale={zhCN}>
          <AntApp>
            <AuditTab />
          </AntApp>
        </ConfigProvider>
      </QueryClientProvider>,
    );
    const result = screen.getByTestId('audit-verify-result');
    expect(within(result).getByText('完整：校验了第 1 至 320 条，共 320 条')).toBeInTheDocument();
  });

  it('names the entry where the chain breaks and why', () => {
    state.report = {
      ...intact,
      intact: false,
      checked: 4,
      last_seq: 4,
      broken: { seq: 5, entry_id: 'e5', reason: 'hash_mismatch' },
    };
    show();
    const result = screen.getByTestId('audit-verify-result');
    expect(within(result).getByText('在第 5 条处断开：记录内容与校验值不符（被修改过）')).toBeInTheDocument();
    expect(within(result).getByText(/记录 ID：e5。此前的 4 条校验通过。/)).toBeInTheDocument();
  });

  it('says when the oldest entries expired instead of calling it a break', () => {
    state.report = { ...intact, checked: 20, first_seq: 301 };
    show();
    const result = screen.getByTestId('audit-verify-result');
    expect(within(result).getByText(/^完整/)).toBeInTheDocument();
    expect(within(result).getByText(/第 301 条之前的记录已按保留期限过期/)).toBeInTheDocument();
  });

  it('shows who opened which customer, in the console’s words', () => {
    state.items = [
      {
        id: 'a1',
        at_ms: 1_765_000_000_000,
        actor: 'token:k7',
        action: 'customer.read',
        target: 'wmCustomer1',
        fields: ['detail'],
        seq: 12,
        hash: 'f'.repeat(64),
      },
    ];
    show();
    const row = screen.getByText('wmCustomer1').closest('tr')!;
    expect(within(row).getByText('查看客户资料')).toBeInTheDocument();
    expect(within(row).getByText('客户详情')).toBeInTheDocument();
    expect(within(row).getByText('token:k7')).toBeInTheDocument();
    expect(within(row).getByText('12')).toBeInTheDocument();
  });
});
