import { isRouteErrorResponse, useRouteError } from 'react-router';

/**
 * A page that failed to load (a new deployment replaced its chunk, or a bug): say so, offer a
 * reload. Plain elements, no Ant Design: it must render even when chunks cannot be fetched, and
 * it stays out of the login page's download.
 */
export function RouteError() {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <main className="route-error" role="alert">
      <h1>{notFound ? '页面不存在' : '页面加载失败'}</h1>
      <p>{notFound ? '请从左侧菜单进入。' : '可能是控制台刚刚更新，请刷新页面后重试。'}</p>
      <button type="button" onClick={() => window.location.reload()}>
        刷新页面
      </button>
    </main>
  );
}
