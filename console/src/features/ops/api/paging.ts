/** Cursor paging of the admin API's lists (`items` + `next_cursor`), for TanStack's infinite queries. */
import type { InfiniteData } from '@tanstack/react-query';

export interface CursorPage<T> {
  items: T[];
  next_cursor?: string | null;
}

export function nextCursor<T>(page: CursorPage<T>): string | undefined {
  return page.next_cursor ?? undefined;
}

/** Every loaded page's items, in order. */
export function allItems<T>(data: InfiniteData<CursorPage<T>> | undefined): T[] {
  return data?.pages.flatMap((page) => page.items) ?? [];
}

/** openapi-fetch answers `{ data, error }`; the hooks want the data or a thrown API error. */
export function unwrap<T>(result: { data?: T; error?: unknown }): T {
  // The API's error body, thrown as the $api hooks throw it (lib/api/errors.ts reads it).
  // eslint-disable-next-line @typescript-eslint/only-throw-error
  if (result.error !== undefined) throw result.error;
  if (result.data === undefined) throw new Error('服务器没有返回数据');
  return result.data;
}
