import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, authedFetch, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { listQuery, type CustomerFilters } from './filters';

export type ImportSummary = Schemas['ImportSummary'];
export type ImportProblem = Schemas['ImportProblem'];
export type ImportProgress = Schemas['ImportProgress'];

/** The API's refusal as an Error that keeps the body's `error` (for `errorMessage`). */
class Refusal extends Error {
  readonly error: unknown;
  constructor(body: unknown) {
    super(errorMessage(body));
    this.error = (body as { error?: unknown } | null)?.error;
  }
}

/** The headers the import reads (the export writes the same). */
export const IMPORT_COLUMNS: { header: string; english: string; note: string }[] = [
  { header: '客户ID', english: 'external_userid', note: '企业微信客户 ID，优先用于匹配' },
  { header: '手机号', english: 'phone', note: '11 位手机号，无客户ID时用于匹配' },
  { header: 'unionid', english: 'unionid', note: '微信 unionid，以上都没有时用于匹配' },
  { header: '姓名', english: 'name', note: '仅用于线索' },
  { header: '等级', english: 'tier', note: 'A、B 或 C' },
  { header: '心理类型', english: 'psych_type', note: '不超过 30 个字' },
  { header: '生日', english: 'birthday', note: 'YYYY-MM-DD，或不知道年份时 MM-DD' },
  { header: '营销授权', english: 'marketing_consent', note: '是 / 否，记为「导入」方式的授权记录' },
  { header: '授权方式', english: 'consent_method', note: '原授权方式（书面、口头、表单），写入授权记录备注' },
  { header: '标签', english: 'tags', note: '企业标签名，多个用，、; 分隔；可写「标签组/标签」' },
  { header: '备注', english: 'remark', note: '诊所备注，不超过 2000 个字' },
];

/**
 * A random name for one import's progress: 16 bytes from the browser's CSPRNG, hex
 * (`getRandomValues` works on plain http too, where `randomUUID` does not).
 */
export function newProgressId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `POST /api/customers/import`: the file as multipart; `dryRun` checks only. Each run is named
 * (`progressId`) so its progress can be read while the request runs.
 */
export function useImportCustomers() {
  const queryClient = useQueryClient();
  const [progressId, setProgressId] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: async ({ file, dryRun }: { file: File; dryRun: boolean }): Promise<ImportSummary> => {
      const form = new FormData();
      form.append('file', file, file.name);
      const id = newProgressId();
      setProgressId(id);
      const response = await authedFetch(`/api/customers/import?dry_run=${dryRun ? 'true' : 'false'}&progress_id=${id}`, {
        method: 'POST',
        body: form,
      });
      const body: unknown = await response.json().catch(() => null);
      if (!response.ok) throw new Refusal(body);
      return body as ImportSummary;
    },
    onSuccess: (summary) => {
      if (summary.dry_run) return;
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers/{external_userid}'] });
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/leads'] });
    },
  });
  return { ...mutation, progressId };
}

/** `GET /api/customers/imports/{id}` every second while the import runs. */
export function useImportProgress(progressId: string | null, running: boolean) {
  return useQuery({
    queryKey: ['customers', 'import-progress', progressId],
    enabled: Boolean(progressId) && running,
    refetchInterval: running ? 1000 : false,
    retry: false,
    queryFn: async ({ signal }) => {
      // The server records the import as soon as the request arrives: give it that moment.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const { data, error } = await api.GET('/api/customers/imports/{id}', {
        params: { path: { id: progressId ?? '' } },
        signal,
      });
      // Not recorded yet (the file is still being read): no progress to show.
      if (error) return null;
      return data;
    },
  });
}

/** `GET /api/customers/export` with the list's filters (no page size, no cursor). */
export function exportPath(filters: CustomerFilters, format: 'xlsx' | 'csv'): string {
  const query = listQuery(filters) as Record<string, string | number | undefined>;
  const params = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(query)) {
    if (key === 'limit' || key === 'cursor' || value === undefined || value === '') continue;
    params.set(key, String(value));
  }
  return `/api/customers/export?${params.toString()}`;
}
