/**
 * 授权记录: a customer's consent per purpose (营销, 健康信息) and its history, and recording a
 * grant or a withdrawal. The form checks as you type with the API's rules (so a save is rarely
 * refused); the API answers the consents as they now are.
 */
import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type ConsentsView = Schemas['ConsentsView'];
export type ConsentRecord = Schemas['ConsentRecord'];
export type CurrentConsent = Schemas['CurrentConsent'];
export type ConsentPurpose = Schemas['ConsentPurpose'];
export type ConsentMethod = Schemas['ConsentMethod'];
export type NewConsent = Schemas['NewConsent'];

export const PURPOSE_LABELS: Record<ConsentPurpose, string> = {
  marketing: '营销',
  health_data: '健康信息',
};

export const PURPOSE_HINTS: Record<ConsentPurpose, string> = {
  marketing: '推送任务、自动化和单独发送的营销消息',
  health_data: '敏感个人信息：治疗等健康信息',
};

export const METHOD_LABELS: Record<ConsentMethod, string> = {
  written: '书面',
  verbal: '口头',
  form: '表单',
  import: '导入',
};

/** What staff may choose (导入 is recorded only by imports). */
export const STAFF_METHODS: ConsentMethod[] = ['written', 'verbal', 'form'];

export const CONSENT_NOTE_MAX = 200;

export interface ConsentFormValues {
  purpose?: ConsentPurpose;
  /** A radio cannot hold a boolean and "not chosen" apart: `'true'` / `'false'`. */
  granted?: 'true' | 'false';
  method?: ConsentMethod;
  note?: string;
}

/** The note's problem, if any (the API refuses more than 200 characters). */
export function noteProblem(note: string | undefined): string | null {
  const length = [...(note ?? '').trim()].length;
  return length > CONSENT_NOTE_MAX ? `备注不能超过 ${CONSENT_NOTE_MAX} 个字（当前 ${length} 个字）` : null;
}

/** The request for complete form values; null while something is missing. */
export function consentRequest(values: ConsentFormValues): NewConsent | null {
  if (!values.purpose || !values.granted || !values.method || noteProblem(values.note)) return null;
  const note = (values.note ?? '').trim();
  return {
    purpose: values.purpose,
    granted: values.granted === 'true',
    method: values.method,
    ...(note ? { note } : {}),
  };
}

/** How the current state of a purpose reads: 已授权 / 已撤回 / 未登记. */
export function stateLabel(current: Pick<CurrentConsent, 'granted' | 'legacy'>): string {
  if (current.granted === null || current.granted === undefined) return '未登记';
  const label = current.granted ? '已授权' : '已撤回';
  return current.legacy ? `${label}（旧数据，无授权记录）` : label;
}

/** Who recorded it, in words: the import and the local admin token have names of their own. */
export function recorderLabel(recordedBy: string | null | undefined): string {
  if (!recordedBy) return '—';
  if (recordedBy === 'import') return '导入';
  if (recordedBy === 'local-admin') return '本地管理员';
  return recordedBy;
}

export function useConsents(externalUserid: string) {
  return $api.useQuery('get', '/api/customers/{external_userid}/consents', {
    params: { path: { external_userid: externalUserid } },
  });
}

export function useRecordConsent(externalUserid: string) {
  const queryClient = useQueryClient();
  const params = { params: { path: { external_userid: externalUserid } } };
  return $api.useMutation('post', '/api/customers/{external_userid}/consents', {
    onSuccess: (view) => {
      queryClient.setQueryData(['get', '/api/customers/{external_userid}/consents', params], view);
      // The profile's 营销授权 follows the marketing record.
      void queryClient.invalidateQueries({ queryKey: ['get', '/api/customers/{external_userid}', params] });
      void queryClient.invalidateQueries({ queryKey: ['customers', 'list'] });
    },
  });
}
