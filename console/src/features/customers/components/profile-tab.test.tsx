import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from 'antd';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CrmForm } from './profile-tab';

// openapi-fetch keeps the fetch it finds when the client is created: replace it before imports.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** Ant Design spaces two-character Chinese button labels (「保 存」). */
const SAVE = /^保\s?存$/;
/** Validation and messages are asynchronous; a busy machine needs more than a second. */
const SLOW = { timeout: 5000 };

function type(label: string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

function renderForm(crm: Record<string, unknown> = {}) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <App>
        <CrmForm customer={{ external_userid: 'wmCUSTOMER1', crm }} />
      </App>
    </QueryClientProvider>,
  );
}

describe('the clinic fields form', { timeout: 60_000 }, () => {
  beforeEach(() => {
    fetchMock.mockReset();
  });

  it('checks the phone and the birthday as they are typed', async () => {
    renderForm();
    type('手机号', '1380013800');
    expect(await screen.findByText('手机号必须是 11 位（当前 10 位）', undefined, SLOW)).toBeInTheDocument();
    type('手机号', '13800138000');
    await waitFor(() => expect(screen.queryByText(/手机号必须是 11 位/)).not.toBeInTheDocument(), SLOW);

    type('生日', '2023-02-29');
    expect(await screen.findByText('2 月没有 29 日', undefined, SLOW)).toBeInTheDocument();
    type('生日', '02-29');
    await waitFor(() => expect(screen.queryByText('2 月没有 29 日')).not.toBeInTheDocument(), SLOW);
  });

  it('saves only what changed', async () => {
    const user = userEvent.setup();
    const sent: unknown[] = [];
    fetchMock.mockImplementation(async (request) => {
      const body = (await request.json()) as Record<string, unknown>;
      sent.push(body);
      return json({ crm: { tier: 'A', notes: '怕疼', ...body } });
    });
    renderForm({ tier: 'B', notes: '怕疼' });
    expect(screen.getByRole('button', { name: SAVE })).toBeDisabled();

    fireEvent.click(screen.getByRole('radio', { name: 'A 级' }));
    type('手机号', '13800138000');
    await user.click(screen.getByRole('button', { name: SAVE }));

    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1), SLOW);
    const request = fetchMock.mock.calls[0]![0];
    expect(request.method).toBe('PATCH');
    expect(new URL(request.url).pathname).toBe('/api/customers/wmCUSTOMER1');
    expect(sent).toEqual([{ tier: 'A', phone: '13800138000' }]);
    expect(await screen.findByText('客户资料已保存', undefined, SLOW)).toBeInTheDocument();
  });

  it('puts the API refusal on the field it names', async () => {
    const user = userEvent.setup();
    fetchMock.mockResolvedValue(
      json({ error: { code: 'invalid_request', message: '心理类型不能为空，且不能超过 30 个字', field: 'psych_type' } }, 400),
    );
    renderForm();
    type('心理类型', '犹豫型');
    await user.click(screen.getByRole('button', { name: SAVE }));
    expect(await screen.findByText('心理类型不能为空，且不能超过 30 个字', undefined, SLOW)).toBeInTheDocument();
    expect(screen.getByLabelText('心理类型')).toHaveAttribute('aria-invalid', 'true');
  });
});
