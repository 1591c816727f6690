import { useInfiniteQuery } from '@tanstack/react-query';
import { $api, api, type Schemas } from '@/lib/api/client';
import { allItems, nextCursor, unwrap } from './paging';

export type AuditEntry = Schemas['AuditEntryView'];

/** Who changed what, newest first, 20 at a time. */
export function useAuditLogs() {
  const query = useInfiniteQuery({
    queryKey: ['ops', 'audit'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(await api.GET('/api/audit-logs', { params: { query: { limit: 20, cursor: pageParam } }, signal })),
    getNextPageParam: nextCursor,
  });
  return { ...query, items: allItems(query.data) };
}

export type ChainReport = Schemas['ChainReport'];
export type BreakReason = Schemas['BreakReason'];

/** The audit chain's verification: runs when asked (`refetch`), never on its own. */
export function useAuditVerify() {
  return $api.useQuery('get', '/api/audit-logs/verify', {}, { enabled: false, retry: false, gcTime: 0 });
}

const BREAK_REASON: Record<BreakReason, string> = {
  hash_mismatch: '记录内容与校验值不符（被修改过）',
  missing_entry: '末尾的记录缺失（被删除）',
  sequence_gap: '中间的记录缺失（被删除）',
  head_mismatch: '链头与最后一条记录不符',
};

export function breakReasonLabel(reason: BreakReason): string {
  return BREAK_REASON[reason] ?? reason;
}

/** One line for the verification's outcome: 完整, or where it breaks and why. */
export function describeChainReport(report: ChainReport): string {
  if (report.broken) {
    return `在第 ${report.broken.seq} 条处断开：${breakReasonLabel(report.broken.reason)}`;
  }
  if (report.checked === 0) return '完整：还没有可校验的记录';
  return `完整：校验了第 ${report.first_seq} 至 ${report.last_seq} 条，共 ${report.checked} 条`;
}
