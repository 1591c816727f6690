import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type RebuildReport = Schemas['RebuildReport'];
export type CounterDifference = Schemas['Difference'];

/** Recomputes every statistic from the records (`apply`: and corrects what differs). */
export function useStatsCheck() {
  const queryClient = useQueryClient();
  return $api.useMutation('post', '/api/stats/rebuild', {
    onSuccess: (_, variables) => {
      if (variables.body.apply) {
        // Corrected counters: every report reads them.
        void queryClient.invalidateQueries();
      }
    },
  });
}

const CHANNEL_FIELDS: Record<string, string> = {
  added: '添加（客户关系）',
  active: '仍为好友',
  pending: '待通过',
  ended: '已流失',
  ended_on: '当天流失',
  customers: '新增客户',
  customers_connected: '新增客户中仍为好友',
  appointments: '预约',
  purchases: '消费笔数',
  revenue_fen: '消费金额（分）',
  connected: '仍为好友',
  clicks: '点击',
  attributed: '可归属到客户的点击',
  unique_clickers: '点击的客户数',
};

/** What a counter item is, in the console's words (`AGG#CHANNEL` / `DAY#2026-12-01#douyin` → 渠道 douyin · 2026-12-01). */
export function describeCounter(pk: string, sk: string): string {
  if (pk === 'AGG#CHANNEL') {
    const rest = sk.replace(/^DAY#/, '');
    const cut = rest.indexOf('#');
    const day = cut < 0 ? rest : rest.slice(0, cut);
    const state = cut < 0 ? '' : rest.slice(cut + 1);
    return `渠道 ${state || '（无渠道）'} · ${day}`;
  }
  if (pk === 'AGG#CWAY') return `「联系我」 ${sk}`;
  if (pk.startsWith('AGG#CAMPAIGN#')) {
    const id = pk.slice('AGG#CAMPAIGN#'.length);
    return sk === 'CLICKS' ? `群发 ${id} · 点击` : `群发 ${id} · ${sk.replace(/^SHARD#/, '')}`;
  }
  if (pk.startsWith('LINK#')) return `链接 ${pk.slice('LINK#'.length)}`;
  return `${pk} / ${sk}`;
}

/** A counter's name in the console's words; a funnel counter (`tier:A|sent`) as it is. */
export function describeField(field: string): string {
  return CHANNEL_FIELDS[field] ?? field;
}
