import { Alert } from 'antd';
import { Link } from 'react-router';
import type { Overview } from '../api/overview';
import { queueLabel } from '../api/labels';

/** Shown only when some queue messages failed every attempt: how many, where, and a way there. */
export function DeadLetterAlert({ view }: { view: Pick<Overview, 'dead_letters' | 'dead_letters_by_queue'> }) {
  if (view.dead_letters <= 0) return null;
  const where = view.dead_letters_by_queue
    .filter((q) => q.count > 0)
    .map((q) => `${queueLabel(q.queue)} ${q.count} 条`)
    .join('，');
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      data-testid="dead-letter-alert"
      message={`有 ${view.dead_letters} 条处理失败的消息${where ? `（${where}）` : ''}`}
      description="这些消息多次重试仍失败，相关的客户建档、打标签或群发可能没有完成。请查看失败原因，修复后重新处理。"
      action={
        <Link to="/dashboard/ops?tab=dead-letters" style={{ whiteSpace: 'nowrap' }}>
          前往「运维」处理
        </Link>
      }
    />
  );
}
