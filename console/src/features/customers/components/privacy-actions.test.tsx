import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from 'antd';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fileNameOf } from '../api/privacy';
import { PrivacyActions } from './privacy-actions';

// openapi-fetch keeps the fetch it finds when the client is created: replace it before imports.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(input: Request | string, init?: RequestInit) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

const SLOW = { timeout: 5000 };

function renderActions(onErased = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <App>
        <PrivacyActions externalUserid="wmC1" name="林小姐" onErased={onErased} />
      </App>
    </QueryClientProvider>,
  );
  return onErased;
}

function urlOf(input: Request | string): string {
  return typeof input === 'string' ? input : input.url;
}

describe('PrivacyActions', () => {
  beforeEach(() => {
    fetchMock.mockReset();
  });

  it('erases only after a reason is typed, sends it, and reports the customer gone', async () => {
    const user = userEvent.setup();
    fetchMock.mockResolvedValue(json({ deleted: 12, redacted: 3, resumed: false, completed_at_ms: 1 }));
    const onErased = renderActions();
    await user.click(screen.getByRole('button', { name: /删除个人信息/ }));
    expect(await screen.findByText('删除后无法恢复')).toBeInTheDocument();
    const confirm = screen.getByRole('button', { name: /确认删除/ });
    expect(confirm).toBeDisabled();
    await user.type(screen.getByLabelText('删除原因'), '   ');
    expect(confirm).toBeDisabled();
    await user.type(screen.getByLabelText('删除原因'), '客户本人申请删除');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(onErased).toHaveBeenCalledTimes(1), SLOW);
    const request = fetchMock.mock.calls[0]?.[0] as Request;
    expect(request.method).toBe('POST');
    expect(request.url).toMatch(/\/api\/customers\/wmC1\/erase$/);
    expect(await request.json()).toEqual({ reason: '客户本人申请删除' });
    expect(await screen.findByText('已删除该客户的个人信息')).toBeInTheDocument();
  });

  it('keeps the dialog open and shows the refusal when the erasure fails', async () => {
    const user = userEvent.setup();
    fetchMock.mockResolvedValue(json({ error: { code: 'not_found', message: '未找到该客户' } }, 404));
    const onErased = renderActions();
    await user.click(screen.getByRole('button', { name: /删除个人信息/ }));
    await user.type(await screen.findByLabelText('删除原因'), '客户申请');
    await user.click(screen.getByRole('button', { name: /确认删除/ }));
    expect(await screen.findByText(/删除失败：未找到该客户/, undefined, SLOW)).toBeInTheDocument();
    expect(onErased).not.toHaveBeenCalled();
  });

  it('downloads the export as the file the API names', async () => {
    const user = userEvent.setup();
    const created = vi.fn(() => 'blob:export');
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() });
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    fetchMock.mockResolvedValue(
      json({ external_userid: 'wmC1', customer: [] }, 200, { 'Content-Disposition': 'attachment; filename="customer-wmC1.json"' }),
    );
    renderActions();
    await user.click(screen.getByRole('button', { name: /导出个人信息/ }));
    await waitFor(() => expect(clicked).toHaveBeenCalledTimes(1), SLOW);
    expect(urlOf(fetchMock.mock.calls[0]![0])).toMatch(/\/api\/customers\/wmC1\/export$/);
    const link = clicked.mock.contexts[0] as HTMLAnchorElement;
    expect(link.download).toBe('customer-wmC1.json');
    expect(created).toHaveBeenCalledTimes(1);
    clicked.mockRestore();
  });

  it('names the file from Content-Disposition, or after the customer', () => {
    expect(fileNameOf('attachment; filename="customer-x.json"', 'y')).toBe('customer-x.json');
    expect(fileNameOf(null, 'y')).toBe('customer-y.json');
  });
});
