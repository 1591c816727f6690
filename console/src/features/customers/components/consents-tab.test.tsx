import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { App } from 'antd';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsentsTab } from './consents-tab';

// openapi-fetch keeps the fetch it finds when the client is created: replace it before imports.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** Ant Design spaces two-character Chinese button labels (「登 记」). */
const SUBMIT = /^登\s?记$/;
/** Validation and messages are asynchronous; a machine busy with other builds needs seconds. */
const SLOW = { timeout: 15_000 };
const AT = Date.UTC(2026, 2, 8, 2, 30); // 2026-03-08 10:30 Beijing

const withdrawn = {
  current: [
    { purpose: 'marketing', granted: false, at_ms: AT + 60_000, method: 'verbal', recorded_by: 'zhangsan', legacy: false },
    { purpose: 'health_data', granted: null, at_ms: null, method: null, recorded_by: null, legacy: false },
  ],
  history: [
    {
      id: 'r2',
      external_userid: 'wmC1',
      purpose: 'marketing',
      granted: false,
      at_ms: AT + 60_000,
      recorded_by: 'zhangsan',
      method: 'verbal',
      note: '电话中要求不再推送',
    },
    { id: 'r1', external_userid: 'wmC1', purpose: 'marketing', granted: true, at_ms: AT, recorded_by: 'import', method: 'import' },
  ],
};

function renderTab() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <App>
        <ConsentsTab externalUserid="wmC1" />
      </App>
    </QueryClientProvider>,
  );
}

/** Clicks a radio by its label within the form item labelled `group`. */
function pick(group: string, option: string) {
  const item = screen.getByText(group, { selector: 'label' }).closest('.ant-form-item') as HTMLElement;
  fireEvent.click(within(item).getByRole('radio', { name: option }));
}

describe('授权记录', { timeout: 60_000 }, () => {
  beforeEach(() => {
    fetchMock.mockReset();
  });

  it('shows the current state per purpose and the history, newest first, in words', async () => {
    fetchMock.mockResolvedValue(json(withdrawn));
    renderTab();
    const history = screen.getByLabelText('授权历史');
    await within(history).findByText('电话中要求不再推送', undefined, SLOW);
    const rows = within(history).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringMatching(/2026-03-08 10:31.*营销.*撤回.*口头.*zhangsan.*电话中要求不再推送/),
      expect.stringMatching(/2026-03-08 10:30.*营销.*授权.*导入.*导入.*—/),
    ]);
    const marketing = document.querySelector('[data-consent="marketing"]');
    expect(marketing?.textContent).toMatch(/已撤回.*口头.*zhangsan/);
    expect(document.querySelector('[data-consent="health_data"]')?.textContent).toBe('未登记');
  });

  it('checks as you type and records a grant with what was chosen', async () => {
    const user = userEvent.setup();
    const posted: unknown[] = [];
    fetchMock.mockImplementation(async (request) => {
      if (request.method === 'POST') {
        posted.push(await request.json());
        return json({ ...withdrawn, history: [] }, 201);
      }
      return json({ current: withdrawn.current, history: [] });
    });
    renderTab();
    await screen.findByText('还没有授权记录', undefined, SLOW);
    const submit = screen.getByRole('button', { name: SUBMIT });
    expect(submit).toBeDisabled();

    fireEvent.change(screen.getByLabelText('备注'), { target: { value: '长'.repeat(201) } });
    expect(await screen.findByText('备注不能超过 200 个字（当前 201 个字）', undefined, SLOW)).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('备注'), { target: { value: ' 到店签署纸质授权书 ' } });
    await waitFor(() => expect(screen.queryByText(/备注不能超过/)).not.toBeInTheDocument(), SLOW);

    pick('用途', '营销');
    pick('授权/撤回', '授权');
    expect(submit).toBeDisabled();
    expect(screen.queryByRole('radio', { name: '导入' })).not.toBeInTheDocument();
    pick('方式', '书面');
    await waitFor(() => expect(submit).toBeEnabled(), SLOW);
    await user.click(submit);

    await waitFor(() => expect(posted).toHaveLength(1), SLOW);
    const request = fetchMock.mock.calls.find(([r]) => r.method === 'POST')![0];
    expect(new URL(request.url).pathname).toBe('/api/customers/wmC1/consents');
    expect(posted[0]).toEqual({ purpose: 'marketing', granted: true, method: 'written', note: '到店签署纸质授权书' });
    await waitFor(() => expect(document.body.textContent).toContain('授权记录已登记'), SLOW);
    // The form is ready for the next record.
    await waitFor(() => expect(screen.getByRole('radio', { name: '书面' })).not.toBeChecked(), SLOW);
  });

  it('puts the API refusal on the field it names', async () => {
    const user = userEvent.setup();
    fetchMock.mockImplementation((request) =>
      Promise.resolve(
        request.method === 'POST'
          ? json({ error: { code: 'invalid_field', message: '授权方式只能是 written（书面）、verbal（口头）或 form（表单）', field: 'method' } }, 400)
          : json({ current: withdrawn.current, history: [] }),
      ),
    );
    renderTab();
    await screen.findByText('还没有授权记录', undefined, SLOW);
    pick('用途', '健康信息（治疗等）');
    pick('授权/撤回', '撤回');
    pick('方式', '表单');
    const submit = screen.getByRole('button', { name: SUBMIT });
    await waitFor(() => expect(submit).toBeEnabled(), SLOW);
    await user.click(submit);
    expect(await screen.findByText(/授权方式只能是/, undefined, SLOW)).toBeInTheDocument();
  });
});
