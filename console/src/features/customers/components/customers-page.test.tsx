import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from 'antd';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Schemas } from '@/lib/api/client';
import { CustomersPage } from './customers-page';

// openapi-fetch keeps the fetch it finds when the client is created: replace it before imports.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

const SLOW = { timeout: 8000 };

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function customer(id: string, name: string): Schemas['CustomerSummary'] {
  return {
    external_userid: id,
    name,
    avatar: '',
    type: 1,
    gender: 2,
    status: 'active',
    first_channel: 'xiaohongshu',
    first_added_at_ms: Date.UTC(2025, 2, 1, 2, 0),
    tier: 'A',
    total_spent_fen: 160000,
    stage: 'new',
    follow_users: [
      {
        userid: 'zhangsan',
        status: 'active',
        remark: '',
        description: '',
        remark_mobiles: [],
        tags: [{ group_name: '来源渠道', tag_name: '来源:小红书', tag_id: 'etXHS', type: 1 }],
        add_way: 1,
        oper_userid: id,
        state: 'xiaohongshu',
        createtime: 1_740_794_400,
      },
    ],
  };
}

/** Answers the page's requests; remembers the customer list queries. */
function serve(pages: Record<string, Schemas['CustomerPage']>) {
  const listQueries: URLSearchParams[] = [];
  const route = (request: Request): Response => {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/api/customers': {
        listQueries.push(url.searchParams);
        const page = pages[url.searchParams.get('cursor') ?? ''];
        return json(page ?? { items: [], scanned: 0, budget_exhausted: false });
      }
      case '/api/config':
        return json({ channels: { xiaohongshu: { label: '小红书', tag_name: '来源:小红书' } } });
      case '/api/staff':
        return json({ items: [{ userid: 'zhangsan', name: '张三', label: '张三', customer_contact: true }] });
      case '/api/tags':
        return json({ tag_group: [] });
      default:
        return json({ error: { code: 'not_found', message: '未找到' } }, 404);
    }
  };
  fetchMock.mockImplementation((request) => Promise.resolve(route(request)));
  return listQueries;
}

function renderAt(url: string) {
  const router = createMemoryRouter([{ path: '/dashboard/customers', element: <CustomersPage /> }], {
    initialEntries: [url],
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <App>
        <RouterProvider router={router} />
      </App>
    </QueryClientProvider>,
  );
  return router;
}

describe('the customers page', { timeout: 60_000 }, () => {
  beforeEach(() => {
    fetchMock.mockReset();
  });

  it('asks the API for the filters in the URL and shows the channel by name', async () => {
    const queries = serve({ '': { items: [customer('wm1', '李女士')], scanned: 1, budget_exhausted: false } });
    renderAt('/dashboard/customers?channel=xiaohongshu&tier=A&idle_days=30');

    const row = (await screen.findByText('李女士', undefined, SLOW)).closest('tr')!;
    await waitFor(() => expect(within(row).getByText('小红书')).toBeInTheDocument(), SLOW);
    await waitFor(() => expect(within(row).getByText('张三')).toHaveAttribute('title', '成员账号：zhangsan'), SLOW);
    expect(within(row).getByText('扫描二维码')).toBeInTheDocument();
    expect(within(row).getByText('来源:小红书')).toBeInTheDocument();
    expect(Object.fromEntries(queries[0]!)).toEqual({ limit: '20', state: 'xiaohongshu', tier: 'A', no_purchase_days: '30' });
    // A filter under 「更多筛选」 is set, so they show.
    expect(screen.getByLabelText('未消费天数')).toHaveValue('30');
  });

  it('clears the filters from the URL with 重置', async () => {
    const queries = serve({});
    const router = renderAt('/dashboard/customers?tier=B&q=%E6%9D%8E');
    await screen.findByText('没有符合筛选条件的客户', undefined, SLOW);
    fireEvent.click(screen.getByRole('button', { name: /^重\s?置$/ }));
    await waitFor(() => expect(router.state.location.search).toBe(''), SLOW);
    await waitFor(() => expect(Object.fromEntries(queries.at(-1)!)).toEqual({ limit: '20' }), SLOW);
    expect(await screen.findByText(/还没有客户/, undefined, SLOW)).toBeInTheDocument();
  });

  it('puts a typed search into the URL', async () => {
    serve({});
    const router = renderAt('/dashboard/customers');
    const search = await screen.findByLabelText('关键词', undefined, SLOW);
    fireEvent.change(search, { target: { value: ' 李 ' } });
    fireEvent.click(screen.getByRole('button', { name: /查\s?询/ }));
    await waitFor(() => expect(router.state.location.search).toBe('?q=%E6%9D%8E'), SLOW);
  });

  it('loads the next page with the cursor', async () => {
    const queries = serve({
      '': { items: [customer('wm1', '李女士')], next_cursor: 'c1', scanned: 20, budget_exhausted: false },
      c1: { items: [customer('wm2', '王女士')], scanned: 5, budget_exhausted: false },
    });
    renderAt('/dashboard/customers');
    await screen.findByText('李女士', undefined, SLOW);
    fireEvent.click(screen.getByRole('button', { name: '加载更多' }));
    await screen.findByText('王女士', undefined, SLOW);
    expect(queries.at(-1)!.get('cursor')).toBe('c1');
    expect(screen.getByText('李女士')).toBeInTheDocument();
    expect(screen.getByText(/已显示 2 位客户，已全部显示/)).toBeInTheDocument();
  });
});
