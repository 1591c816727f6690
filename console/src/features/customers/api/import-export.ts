import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, authedFetch, type Schemas } from '@/lib/api/client';
import { apiErrorDetail, errorMessage } from '@/lib/api/errors';
import { listQuery, type CustomerFilters } from './filters';

export type ImportSummary = Schemas['ImportSummary'];
export type ImportProblem = Schemas['ImportProblem'];
export type ImportProgress = Schemas['ImportProgress'];

/** The API's refusal as an Error that keeps the body's `error` (for `errorMessage`). */
class Refusal extends Error {
  readonly error: unknown;
  readonly status: number;
  constructor(body: unknown, status: number) {
    // An answer that is not the API's (a gateway's refusal or timeout page) still says what to do.
    super(
      apiErrorDetail(body)
        ? errorMessage(body)
        : status === 413
          ? '文件太大，服务器拒收：请拆分成几个较小的文件分别导入'
          : status >= 500
            ? `服务器暂时无法处理（HTTP ${status}），请重试`
            : errorMessage(body),
    );
    this.error = (body as { error?: unknown } | null)?.error;
    this.status = status;
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

/** Most problems kept over all slices (the server lists at most 1 000 a slice). */
const MAX_PROBLEMS = 1000;

/** One slice's answer added to what the earlier slices answered. */
export function addSlice(total: ImportSummary | null, slice: ImportSummary): ImportSummary {
  if (!total) return slice;
  return {
    ...slice,
    start_row: total.start_row,
    matched: total.matched + slice.matched,
    leads: total.leads + slice.leads,
    new_leads: total.new_leads + slice.new_leads,
    changed: total.changed + slice.changed,
    unchanged: total.unchanged + slice.unchanged,
    problem_rows: total.problem_rows + slice.problem_rows,
    consents: total.consents + slice.consents,
    tags_marked: total.tags_marked + slice.tags_marked,
    slice_rows: total.slice_rows + slice.slice_rows,
    problems: [...total.problems, ...slice.problems].slice(0, MAX_PROBLEMS),
  };
}

/** Whether the slice reached the end of the file (an answer without the slice fields did). */
function finished(slice: ImportSummary): boolean {
  return slice.finished !== false || slice.next_row == null;
}

/** An import of one file, slice after slice. */
export interface ImportRun {
  dryRun: boolean;
  status: 'running' | 'finished' | 'cancelled' | 'failed';
  /** The slices answered so far, added up. */
  summary: ImportSummary | null;
  /** Where the next slice starts (继续 after 取消, 重试 after a failure); null: the first row. */
  nextRow: number | null;
  /** Data rows done of the file's rows (0 of 0 until the first slice answers). */
  done: number;
  rows: number;
  error: Error | null;
  /** The failure may pass when the slice is sent again (not a refusal of the file). */
  retryable: boolean;
}

/** `POST /api/customers/import` for one slice: the file as multipart, from `startRow`. */
async function sendSlice(file: File, dryRun: boolean, progressId: string, startRow: number | null): Promise<ImportSummary> {
  const form = new FormData();
  form.append('file', file, file.name);
  const from = startRow === null ? '' : `&start_row=${startRow}`;
  const response = await authedFetch(`/api/customers/import?dry_run=${dryRun ? 'true' : 'false'}&progress_id=${progressId}${from}`, {
    method: 'POST',
    body: form,
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Refusal(body, response.status);
  return body as ImportSummary;
}

/**
 * Imports (or with `dryRun` checks) a file slice after slice: the server works on a slice
 * until its time budget is spent and answers where to go on (`next_row`); the same file is
 * sent again from there until it is finished. Each run is named (`progressId`) so its
 * progress can be read while a slice runs. `cancel` stops after the slice in flight; `resume`
 * goes on from where a cancelled or failed run stopped (a slice sent again changes nothing
 * more).
 */
export function useImportCustomers() {
  const queryClient = useQueryClient();
  const [run, setRun] = useState<ImportRun | null>(null);
  const [progressId, setProgressId] = useState<string | null>(null);
  // The run the loop belongs to: a reset, a new run or closing the drawer ends the old loop.
  const current = useRef(0);
  const cancelled = useRef(false);
  const started = useRef<{ file: File; dryRun: boolean; progressId: string; onFinished?: (s: ImportSummary) => void } | null>(null);
  useEffect(
    () => () => {
      current.current += 1;
    },
    [],
  );

  const loop = async (from: ImportRun) => {
    const me = ++current.current;
    const job = started.current;
    if (!job) return;
    cancelled.current = false;
    let state: ImportRun = { ...from, status: 'running', error: null };
    setRun(state);
    for (;;) {
      let slice: ImportSummary;
      try {
        slice = await sendSlice(job.file, job.dryRun, job.progressId, state.nextRow);
      } catch (error) {
        if (me !== current.current) return;
        const status = error instanceof Refusal ? error.status : 0;
        setRun({ ...state, status: 'failed', error: error as Error, retryable: status === 0 || status >= 500 });
        return;
      }
      if (me !== current.current) return;
      const summary = addSlice(state.summary, slice);
      if (finished(slice)) {
        setRun({ ...state, summary, status: 'finished', nextRow: null, done: slice.rows, rows: slice.rows });
        if (!job.dryRun) {
          void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
          void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers/{external_userid}'] });
          void queryClient.invalidateQueries({ queryKey: ['get', '/api/leads'] });
        }
        job.onFinished?.(summary);
        return;
      }
      state = { ...state, summary, nextRow: slice.next_row ?? null, done: slice.done, rows: slice.rows };
      if (cancelled.current) {
        setRun({ ...state, status: 'cancelled' });
        if (!job.dryRun) void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
        return;
      }
      setRun(state);
    }
  };

  const start = (file: File, dryRun: boolean, onFinished?: (summary: ImportSummary) => void) => {
    const id = newProgressId();
    started.current = { file, dryRun, progressId: id, onFinished };
    setProgressId(id);
    void loop({ dryRun, status: 'running', summary: null, nextRow: null, done: 0, rows: 0, error: null, retryable: false });
  };
  /** Goes on from where the run stopped (the failed slice is sent again). */
  const resume = () => {
    if (run && (run.status === 'failed' || run.status === 'cancelled')) void loop(run);
  };
  /** Stops after the slice in flight. */
  const cancel = () => {
    cancelled.current = true;
  };
  const reset = () => {
    current.current += 1;
    started.current = null;
    setRun(null);
    setProgressId(null);
  };
  const isPending = run?.status === 'running';
  return { run, progressId, isPending, start, resume, cancel, reset };
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
