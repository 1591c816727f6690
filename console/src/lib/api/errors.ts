/**
 * What the admin API answers when it refuses: `{"error":{"code","message","field"?,"errcode"?}}`
 * with the message in Chinese. Hooks from `$api` throw that body; a network failure throws a
 * TypeError. These helpers turn either into what the page shows.
 */
import type { Schemas } from './client';

export type ApiErrorDetail = Schemas['ErrorDetail'];

export function apiErrorDetail(error: unknown): ApiErrorDetail | null {
  if (typeof error !== 'object' || error === null) return null;
  const inner = (error as { error?: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return null;
  const detail = inner as Partial<ApiErrorDetail>;
  if (typeof detail.message !== 'string' || typeof detail.code !== 'string') return null;
  return detail as ApiErrorDetail;
}

/** The sentence to show for any failure. */
export function errorMessage(error: unknown): string {
  const detail = apiErrorDetail(error);
  if (detail) return detail.message;
  if (error instanceof TypeError) return '无法连接服务器，请检查网络或服务是否已启动';
  if (error instanceof Error && error.message) return error.message;
  return '操作失败，请稍后重试';
}

/** The request field the API named, when it named one (`audience.external_userids` …). */
export function errorField(error: unknown): string | null {
  return apiErrorDetail(error)?.field ?? null;
}
