import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from 'antd';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportSummary } from '../api/import-export';
import { ImportDrawer } from './import-drawer';

// openapi-fetch keeps the fetch it finds when the client is created: replace it before imports.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(input: Request | string, init?: RequestInit) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function urlOf(input: Request | string): string {
  return typeof input === 'string' ? input : input.url;
}

const SLOW = { timeout: 5000 };

function summary(dryRun: boolean): ImportSummary {
  return {
    dry_run: dryRun,
    encoding: 'GBK',
    rows: 3,
    matched: 1,
    leads: 1,
    new_leads: 1,
    changed: 2,
    unchanged: 0,
    problem_rows: 1,
    consents: 1,
    tags_marked: 0,
    problems: [{ row: 3, column: '手机号', message: '手机号必须是 11 位中国大陆手机号' }],
    ignored_columns: ['来源'],
  };
}

describe('ImportDrawer', () => {
  beforeEach(() => {
    fetchMock.mockReset();
    fetchMock.mockImplementation((input) => {
      const url = urlOf(input);
      if (url.includes('/api/customers/imports/')) return Promise.resolve(json({ error: { code: 'not_found', message: '未找到该导入' } }, 404));
      if (url.includes('dry_run=true')) return Promise.resolve(json(summary(true)));
      return Promise.resolve(json(summary(false)));
    });
  });

  it('checks the file first, lists each problem by row and column, then imports on 确认导入', async () => {
    const user = userEvent.setup();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <App>
          <ImportDrawer open onClose={vi.fn()} />
        </App>
      </QueryClientProvider>,
    );
    const confirm = screen.getByRole('button', { name: '确认导入' });
    expect(confirm).toBeDisabled();
    const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
    await user.upload(input, new File(['手机号\n123\n'], '名单.csv', { type: 'text/csv' }));
    await user.click(screen.getByRole('button', { name: '检查文件' }));

    expect(await screen.findByText('检查完成：1 行有问题，这些行不会导入', undefined, SLOW)).toBeInTheDocument();
    const [, init] = fetchMock.mock.calls.find(([i]) => urlOf(i).includes('/api/customers/import?'))!;
    const sent = fetchMock.mock.calls.find(([i]) => urlOf(i).includes('/api/customers/import?'))![0];
    expect(urlOf(sent)).toMatch(/dry_run=true&progress_id=[\w-]{8,}/);
    expect((init?.body as FormData).get('file')).toBeInstanceOf(File);
    const problems = screen.getByRole('table', { name: '问题列表' });
    const row = within(problems).getByText('手机号必须是 11 位中国大陆手机号').closest('tr')!;
    expect(within(row).getByText('3')).toBeInTheDocument();
    expect(within(row).getByText('手机号')).toBeInTheDocument();
    expect(screen.getByText('未识别的列（将忽略）：来源')).toBeInTheDocument();

    await waitFor(() => expect(confirm).toBeEnabled());
    await user.click(confirm);
    expect(await screen.findByText('导入完成', undefined, SLOW)).toBeInTheDocument();
    expect(fetchMock.mock.calls.some(([i]) => urlOf(i).includes('dry_run=false'))).toBe(true);
  });
});
