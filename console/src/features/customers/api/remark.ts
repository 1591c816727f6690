import { useQueryClient } from '@tanstack/react-query';
import { $api, type Schemas } from '@/lib/api/client';

export type RemarkPatch = Schemas['RemarkPatch'];
type CustomerDetail = Schemas['CustomerDetail'];

/** WeCom's limits on `externalcontact/remark`, and the console's on remark phones. */
export const REMARK_MAX = 20;
export const DESCRIPTION_MAX = 150;
export const REMARK_MOBILES_MAX = 5;

/** A remark phone: digits, an optional leading `+` and `-` separators, 5 to 20 characters. */
export function validRemarkMobile(phone: string): boolean {
  return /^\+?[0-9][0-9-]{4,19}$/.test(phone) && phone.length <= 20;
}

/** The problem with a list of remark phones, in Chinese; `null` when it is fine. */
export function remarkMobilesProblem(phones: string[]): string | null {
  const bad = phones.map((p) => p.trim()).filter((p) => p && !validRemarkMobile(p));
  if (bad.length > 0) return `手机号格式不正确：${bad.join('、')}（只能包含数字、开头的 + 和 -，5–20 位）`;
  if (new Set(phones.map((p) => p.trim()).filter(Boolean)).size > REMARK_MOBILES_MAX) {
    return `备注手机号最多 ${REMARK_MOBILES_MAX} 个`;
  }
  return null;
}

/**
 * `PATCH /api/customers/{external_userid}/relationships/{userid}`: the member's remark,
 * description and remark phones, changed in WeCom; the answer (the relationship) shows at once.
 */
export function useEditRemark(externalUserid: string) {
  const queryClient = useQueryClient();
  return $api.useMutation('patch', '/api/customers/{external_userid}/relationships/{userid}', {
    onSuccess: (relationship) => {
      queryClient.setQueryData<CustomerDetail>(
        ['get', '/api/customers/{external_userid}', { params: { path: { external_userid: externalUserid } } }],
        (old) =>
          old && {
            ...old,
            follow_users: old.follow_users.map((r) => (r.userid === relationship.userid ? relationship : r)),
          },
      );
      void queryClient.invalidateQueries({ queryKey: ['customers'] });
    },
  });
}
