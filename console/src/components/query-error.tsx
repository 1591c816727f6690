import { Alert, Button } from 'antd';
import { errorMessage } from '@/lib/api/errors';

/** A request that failed: the API's Chinese message, and a retry. */
export function QueryError({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={title ?? '加载失败'}
      description={errorMessage(error)}
      action={
        onRetry && (
          <Button size="small" onClick={onRetry}>
            重试
          </Button>
        )
      }
      style={{ marginBottom: 16 }}
    />
  );
}
