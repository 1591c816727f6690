import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { configure, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from 'antd';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { beijing } from '@/lib/format';
import type { Schemas } from '@/lib/api/client';
import { CampaignNewPage } from './campaign-new-page';

// openapi-fetch keeps the fetch it finds when the client is created: replace it before imports.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

configure({ asyncUtilTimeout: 10_000 });

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

const PREVIEW: Schemas['PreviewView'] = {
  complete: true,
  targeted: 200,
  would_send: 185,
  skipped: { no_consent: 10, relationship_ended: 5 },
  tasks: 3,
  senders: 3,
  wecom_calls: 3,
  staff_confirmations: 3,
  sample: [],
  skipped_sample: [],
};

/** Quiet hours around the current Beijing time, so that sending now falls in them. */
function quietNow() {
  const now = beijing(Date.now());
  return { quiet_start: now.subtract(1, 'hour').format('HH:mm'), quiet_end: now.add(2, 'hour').format('HH:mm') };
}

function serve(quiet: { quiet_start: string; quiet_end: string }) {
  const bodies: Record<string, unknown[]> = {};
  fetchMock.mockImplementation(async (request) => {
    const url = new URL(request.url);
    if (request.method === 'POST') (bodies[url.pathname] ??= []).push(await request.json());
    switch (`${request.method} ${url.pathname}`) {
      case 'GET /api/config':
        return json({
          channels: { xiaohongshu: { label: '小红书', tag_name: '来源:小红书' } },
          send_rules: { daily_cap_per_customer: 3, ...quiet },
        });
      case 'GET /api/tags':
        return json({ tag_group: [] });
      case 'GET /api/staff':
        return json({ items: [] });
      case 'POST /api/campaigns/preview':
        return json(PREVIEW);
      case 'POST /api/campaigns':
        return json({ id: 'c1', name: '双十二焕新季' }, 201);
      default:
        return json({ error: { code: 'not_found', message: '未找到' } }, 404);
    }
  });
  return bodies;
}

function renderPage() {
  const router = createMemoryRouter(
    [
      { path: '/dashboard/wework/messages/new', element: <CampaignNewPage /> },
      { path: '/dashboard/wework/messages/:id', element: <p>detail</p> },
    ],
    { initialEntries: ['/dashboard/wework/messages/new'] },
  );
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

describe('the new campaign page', { timeout: 180_000 }, () => {
  beforeEach(() => {
    fetchMock.mockReset();
  });

  it('dry-runs the audience, warns about quiet hours and creates the campaign', async () => {
    const bodies = serve(quietNow());
    const router = renderPage();

    fireEvent.change(await screen.findByLabelText('推送任务名称'), { target: { value: '双十二焕新季' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'A 级' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'B 级' }));
    fireEvent.change(screen.getByLabelText('未消费天数'), { target: { value: '30' } });

    fireEvent.click(screen.getByRole('button', { name: /预览目标客户/ }));
    const result = await screen.findByTestId('dry-run');
    await waitFor(() => expect(within(result).getByText('185')).toBeInTheDocument());
    expect(within(result).getByText('未获营销授权')).toBeInTheDocument();
    expect(within(result).getByText('已不是好友')).toBeInTheDocument();
    const previewed = bodies['/api/campaigns/preview']![0] as Schemas['NewCampaign'];
    expect(previewed.audience).toMatchObject({ type: 'filter', filter: { tiers: ['A', 'B'], no_purchase_days: 30 } });

    // The audience changes: the result is marked stale.
    fireEvent.click(screen.getByRole('checkbox', { name: 'C 级' }));
    expect(await within(result).findByText('目标客户条件已修改，请重新预览。')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('checkbox', { name: 'C 级' }));
    await waitFor(() => expect(within(result).queryByText(/条件已修改/)).not.toBeInTheDocument());

    // Sending now falls in quiet hours.
    expect(screen.getByText(/现在处于免打扰时段/)).toBeInTheDocument();

    fireEvent.change(screen.getByLabelText('消息文字'), { target: { value: '双十二焕新季限时优惠' } });
    fireEvent.click(screen.getByRole('button', { name: '创建推送任务' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('将向 185 位客户发送');
    expect(dialog.textContent).toMatch(/现在处于免打扰时段，将于 .* 开始/);
    fireEvent.click(within(dialog).getByRole('button', { name: '创建推送任务' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/dashboard/wework/messages/c1'));
    const created = bodies['/api/campaigns']![0] as Schemas['NewCampaign'];
    expect(created).toMatchObject({
      name: '双十二焕新季',
      content: { text: '双十二焕新季限时优惠', attachments: [] },
      booked_within_days: 7,
      sender_policy: { type: 'own_consultant' },
    });
    expect(created.send_at).toBeUndefined();
    // The dry run was current: not repeated on submit.
    expect(bodies['/api/campaigns/preview']).toHaveLength(1);
  });

  it('shows the API refusal on the field it names', async () => {
    serve({ quiet_start: '00:00', quiet_end: '00:00' });
    fetchMock.mockImplementationOnce(() => Promise.resolve(json({ channels: {}, send_rules: { daily_cap_per_customer: 3, quiet_start: '00:00', quiet_end: '00:00' } })));
    renderPage();
    await screen.findByLabelText('推送任务名称');
    fetchMock.mockImplementation((request) =>
      Promise.resolve(
        new URL(request.url).pathname === '/api/campaigns/preview'
          ? json({ error: { code: 'invalid_field', message: '客户等级只能是 A、B 或 C', field: 'audience.filter.tiers' } }, 400)
          : json({ tag_group: [], items: [] }),
      ),
    );
    fireEvent.click(screen.getByRole('button', { name: /预览目标客户/ }));
    const message = await screen.findByText('客户等级只能是 A、B 或 C');
    expect(message.closest('.ant-form-item')).toHaveTextContent('客户分层');
  });
});
