import { DownloadOutlined } from '@ant-design/icons';
import { App, Button, Space } from 'antd';
import { useState } from 'react';
import { authedFetch } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';

export type ExportFormat = 'xlsx' | 'csv';

/** The file name the API proposes in `Content-Disposition`, else `fallback`. */
function exportFileName(disposition: string | null, fallback: string): string {
  return disposition?.match(/filename="([^"]+)"/)?.[1] ?? fallback;
}

/**
 * 导出: Excel (.xlsx) or CSV, side by side (no dropdown: the dashboard's byte budget);
 * `path(format)` is the API path with the query the list shows. The file is saved under the
 * name the API gives it.
 */
export function ExportButton({
  path,
  fallbackName,
  label = '导出',
  size,
}: {
  path: (format: ExportFormat) => string;
  fallbackName: string;
  label?: string;
  size?: 'small' | 'middle';
}) {
  const { message } = App.useApp();
  const [busy, setBusy] = useState<ExportFormat | null>(null);

  const run = async (format: ExportFormat) => {
    setBusy(format);
    try {
      const response = await authedFetch(path(format));
      if (!response.ok) {
        const body: unknown = await response.json().catch(() => null);
        throw Object.assign(new Error(errorMessage(body)), { error: (body as { error?: unknown } | null)?.error });
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = exportFileName(response.headers.get('content-disposition'), `${fallbackName}.${format}`);
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
      const rows = response.headers.get('x-export-rows');
      const truncated = response.headers.get('x-export-truncated') === 'true';
      if (truncated) void message.warning(`已导出前 ${rows ?? ''} 行；数据超过导出上限，请缩小筛选范围后分批导出`);
      else void message.success(rows ? `已导出 ${rows} 行` : '已导出');
    } catch (error) {
      void message.error(errorMessage(error));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Space.Compact size={size}>
      <Button icon={<DownloadOutlined />} loading={busy === 'xlsx'} disabled={busy !== null} onClick={() => void run('xlsx')}>
        {label} Excel
      </Button>
      <Button loading={busy === 'csv'} disabled={busy !== null} onClick={() => void run('csv')}>
        CSV
      </Button>
    </Space.Compact>
  );
}
