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

const MAX_BYTES = 4 * 1024 * 1024;

/** The signed-in manager, on a deployment taking files up to 4 MB (AWS). */
function me(): Response {
  return json({ id: 'u-1', name: '王经理', role: 'manager', userid: null, auth: 'token', limits: { import_max_bytes: MAX_BYTES } });
}

/** The progress record is not there (the drawer then shows the slices' own counts). */
function noProgress(): Response {
  return json({ error: { code: 'not_found', message: '未找到该导入' } }, 404);
}

/** The `start_row` an import request names (2, the first data row, when it names none). */
function startRow(url: string): string {
  return new URL(url, 'http://x').searchParams.get('start_row') ?? '2';
}

function renderDrawer() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <App>
        <ImportDrawer open onClose={vi.fn()} />
      </App>
    </QueryClientProvider>,
  );
}

function summary(dryRun: boolean): ImportSummary {
  return {
    dry_run: dryRun,
    encoding: 'GBK',
    rows: 3,
    start_row: 2,
    finished: true,
    next_row: null,
    done: 3,
    slice_rows: 3,
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
      if (url.endsWith('/api/me')) return Promise.resolve(me());
      if (url.includes('/api/customers/imports/')) return Promise.resolve(noProgress());
      if (url.includes('dry_run=true')) return Promise.resolve(json(summary(true)));
      return Promise.resolve(json(summary(false)));
    });
  });

  it('checks the file first, lists each problem by row and column, then imports on 确认导入', async () => {
    const user = userEvent.setup();
    renderDrawer();
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

  it('sends the file slice after slice, adds up the problems, retries a failed slice and stops on 取消', async () => {
    const slices: Record<string, ImportSummary> = {
      '2': { ...summary(true), rows: 6, finished: false, next_row: 4, done: 2, slice_rows: 2, problems: [{ row: 3, column: '手机号', message: '第一批的问题' }] },
      '4': { ...summary(true), rows: 6, start_row: 4, finished: false, next_row: 6, done: 4, slice_rows: 2, problems: [{ row: 5, column: '等级', message: '第二批的问题' }] },
      '6': { ...summary(true), rows: 6, start_row: 6, finished: true, next_row: null, done: 6, slice_rows: 1, problem_rows: 0, problems: [] },
    };
    const sent: string[] = [];
    let failOnce = true;
    fetchMock.mockImplementation((input) => {
      const url = urlOf(input);
      if (url.endsWith('/api/me')) return Promise.resolve(me());
      if (url.includes('/api/customers/imports/')) return Promise.resolve(noProgress());
      const from = startRow(url);
      const dryRun = url.includes('dry_run=true');
      sent.push(`${dryRun ? 'check' : 'import'}:${from}`);
      if (from === '4' && failOnce) {
        failOnce = false;
        return Promise.resolve(json({ error: { code: 'unavailable', message: '服务暂时不可用，请稍后重试' } }, 503));
      }
      return Promise.resolve(json({ ...slices[from]!, dry_run: dryRun }));
    });
    const user = userEvent.setup();
    renderDrawer();
    const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
    await user.upload(input, new File(['手机号\n123\n'], '名单.csv', { type: 'text/csv' }));
    await user.click(screen.getByRole('button', { name: '检查文件' }));

    // The second slice fails: where it stopped, and 重试 goes on from there.
    expect(await screen.findByText('检查在第 4 行处中断：已处理 2 / 6 行', undefined, SLOW)).toBeInTheDocument();
    expect(screen.getByText(/服务暂时不可用，请稍后重试。点「重试」从第 4 行继续/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: /^重\s?试$/ }));
    expect(await screen.findByText('检查完成：2 行有问题，这些行不会导入', undefined, SLOW)).toBeInTheDocument();
    expect(sent).toEqual(['check:2', 'check:4', 'check:4', 'check:6']);
    const problems = screen.getByRole('table', { name: '问题列表' });
    expect(within(problems).getByText('第一批的问题')).toBeInTheDocument();
    expect(within(problems).getByText('第二批的问题')).toBeInTheDocument();
    // Every slice of one run shares its progress id.
    const ids = new Set(fetchMock.mock.calls.map(([i]) => new URL(urlOf(i), 'http://x').searchParams.get('progress_id')).filter(Boolean));
    expect(ids.size).toBe(1);

    // The real run, cancelled while its first slice is in flight: it stops after that slice.
    let release: () => void = () => {};
    fetchMock.mockImplementation((input) => {
      const url = urlOf(input);
      if (url.endsWith('/api/me')) return Promise.resolve(me());
      if (url.includes('/api/customers/imports/')) return Promise.resolve(noProgress());
      const from = startRow(url);
      sent.push(`import:${from}`);
      return new Promise((resolve) => {
        release = () => resolve(json({ ...slices[from]!, dry_run: false }));
      });
    });
    await user.click(screen.getByRole('button', { name: '确认导入' }));
    await waitFor(() => expect(sent.at(-1)).toBe('import:2'));
    await user.click(screen.getByRole('button', { name: /^取\s?消$/ }));
    release();
    expect(await screen.findByText('已取消导入：已处理 2 / 6 行', undefined, SLOW)).toBeInTheDocument();
    expect(sent.filter((s) => s.startsWith('import'))).toEqual(['import:2']);
    // 继续导入 goes on from the next slice to the end.
    fetchMock.mockImplementation((input) => {
      const url = urlOf(input);
      if (url.endsWith('/api/me')) return Promise.resolve(me());
      if (url.includes('/api/customers/imports/')) return Promise.resolve(noProgress());
      const from = startRow(url);
      sent.push(`import:${from}`);
      return Promise.resolve(json({ ...slices[from]!, dry_run: false }));
    });
    await user.click(screen.getByRole('button', { name: '继续导入' }));
    expect(await screen.findByText('导入完成', undefined, SLOW)).toBeInTheDocument();
    expect(sent.filter((s) => s.startsWith('import'))).toEqual(['import:2', 'import:4', 'import:6']);
  }, 120_000);

  it('says a file the gateway refuses as too large must be split, without 重试', async () => {
    fetchMock.mockImplementation((input) => {
      if (urlOf(input).includes('/api/customers/imports/')) return Promise.resolve(noProgress());
      return Promise.resolve(json({ message: 'Request Entity Too Large' }, 413));
    });
    const user = userEvent.setup();
    renderDrawer();
    const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
    await user.upload(input, new File(['手机号\n'], '大名单.csv', { type: 'text/csv' }));
    await user.click(screen.getByRole('button', { name: '检查文件' }));
    expect(await screen.findByText('文件太大，服务器拒收：请拆分成几个较小的文件分别导入', undefined, SLOW)).toBeInTheDocument();
    expect(screen.getByText('无法导入')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^重\s?试$/ })).toBeNull();
  });

  it('says the deployment’s file limit and refuses a larger file before sending anything', async () => {
    const user = userEvent.setup();
    renderDrawer();
    expect(await screen.findByText('单个文件不超过 4 MB、10 万行', undefined, SLOW)).toBeInTheDocument();
    const input = document.querySelector<HTMLInputElement>('input[type=file]')!;
    const big = new File([new Uint8Array(MAX_BYTES + 1)], '全部客户.csv', { type: 'text/csv' });
    await user.upload(input, big);
    expect(await screen.findByRole('alert')).toHaveTextContent('「全部客户.csv」超过 4 MB，请拆分成几个较小的文件分别导入');
    expect(screen.getByRole('button', { name: '检查文件' })).toBeDisabled();
    expect(fetchMock.mock.calls.map(([i]) => urlOf(i)).filter((u) => u.includes('/api/customers/import?'))).toEqual([]);

    // A file within the limit is taken, and the message goes (the upload renews its input).
    await user.upload(document.querySelector<HTMLInputElement>('input[type=file]')!, new File(['手机号\n13800000000\n'], '名单.csv', { type: 'text/csv' }));
    await waitFor(() => expect(screen.queryByRole('alert')).not.toBeInTheDocument());
    expect(screen.getByRole('button', { name: '检查文件' })).toBeEnabled();
  });
});
