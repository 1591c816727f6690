/** The consultants (成员) from `GET /api/staff`, cached for five minutes. */
import { $api, type Schemas } from '@/lib/api/client';

export type StaffView = Schemas['StaffView'];

export function useStaff() {
  return $api.useQuery('get', '/api/staff', {}, { staleTime: 5 * 60_000 });
}

/** A userid → label lookup (falls back to the userid while loading or when unknown). */
export function useStaffLabel(): (userid: string) => string {
  const { data } = useStaff();
  const labels = new Map((data?.items ?? []).map((s) => [s.userid, s.label]));
  return (userid) => labels.get(userid) ?? userid;
}

