import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type RetentionView = Schemas['RetentionView'];
export type RetentionPeriod = Schemas['RetentionPeriod'];
export type RetentionField = Schemas['RetentionField'];

/** The retention periods in force (admin only). */
export function useRetention() {
  return $api.useQuery('get', '/api/privacy/retention');
}

/** Saves the periods changed in the console; a period left out goes back to the deployment's. */
export function useSaveRetention() {
  const queryClient = useQueryClient();
  return $api.useMutation('put', '/api/privacy/retention', {
    onSuccess: (data) => {
      queryClient.setQueryData(['get', '/api/privacy/retention', {}], data);
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/privacy/retention'] });
    },
  });
}

/**
 * Why a period cannot be saved, as the API would say it (checked as the admin types), or null.
 */
export function periodProblem(period: RetentionPeriod, days: number | null | undefined): string | null {
  if (days === null || days === undefined || Number.isNaN(days)) return `请填写${period.label}的保留天数`;
  if (!Number.isInteger(days)) return `${period.label}的保留天数必须是整数`;
  if (days === 0 && period.zero_keeps) return null;
  if (days < period.min_days) {
    const keep = period.zero_keeps ? '（填 0 表示一直保留，直到客户被删除）' : '';
    return `${period.label}的保留天数不能少于 ${period.min_days} 天${keep}`;
  }
  if (days > period.max_days) return `${period.label}的保留天数不能超过 ${period.max_days} 天`;
  return null;
}

/**
 * The request body: a period the console had set, or one now different from the deployment's,
 * is sent; the others are left to the deployment.
 */
export function retentionBody(
  periods: RetentionPeriod[],
  values: Partial<Record<RetentionField, number>>,
): Partial<Record<RetentionField, number>> {
  const body: Partial<Record<RetentionField, number>> = {};
  for (const p of periods) {
    const days = values[p.field];
    if (days === undefined) continue;
    if (p.source === 'console' || days !== p.deployment_days) body[p.field] = days;
  }
  return body;
}
