/**
 * What the signed-in staff member's role lets them do, so the console shows only that (the API
 * refuses the rest with a 403 anyway). Roles, from the least: 顾问 consultant (the customers
 * they follow), 主管 manager (every customer, campaigns, automations, 「联系我」, tags,
 * statistics), 管理员 admin (also configuration, operations, audit, data-subject requests).
 */
import { $api } from '@/lib/api/client';
import type { components } from '@/lib/api/schema';

export type Role = components['schemas']['Role'];

// `booking` is the booking system's machine credential: no console page is for it.
const RANK: Record<Role, number> = { booking: 0, consultant: 1, manager: 2, admin: 3 };

export const ROLE_LABELS: Record<Role, string> = {
  booking: '预约系统',
  consultant: '顾问',
  manager: '主管',
  admin: '管理员',
};

/** Whether `role` reaches `min` (a missing role reaches nothing). */
export function reaches(role: Role | null | undefined, min: Role): boolean {
  return role != null && RANK[role] >= RANK[min];
}

export interface Access {
  /** `undefined` while `/api/me` loads; `null`: signed in without a role. */
  role: Role | null | undefined;
  name?: string;
  /** A consultant's WeCom userid. */
  userid?: string | null;
  /** The largest file a customer import takes on this deployment (bytes). */
  importMaxBytes?: number;
  loading: boolean;
  can: (min: Role) => boolean;
}

/** The signed-in user's access (`GET /api/me`, read once per session). */
export function useAccess(): Access {
  const { data, isPending } = $api.useQuery('get', '/api/me', {}, { staleTime: Infinity });
  const role = isPending ? undefined : (data?.role ?? null);
  return {
    role,
    name: data?.name,
    userid: data?.userid,
    importMaxBytes: data?.limits.import_max_bytes,
    loading: isPending,
    can: (min) => reaches(role, min),
  };
}
