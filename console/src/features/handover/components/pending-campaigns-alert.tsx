import { Alert } from 'antd';
import type { PendingCampaignWork } from '../api/handovers';

/** The handover consultant's campaign tasks not sent yet: WeCom does not move them. */
export function PendingCampaignsAlert({ work }: { work: PendingCampaignWork[] }) {
  if (work.length === 0) return null;
  const tasks = work.reduce((n, w) => n + w.tasks, 0);
  const recipients = work.reduce((n, w) => n + w.recipients, 0);
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="pending-campaigns"
      style={{ marginBottom: 12 }}
      message={`有 ${tasks} 个群发任务（${recipients} 位客户）仍待原跟进成员发送`}
      description={
        <>
          企业微信不会把群发任务转给接替成员，这些任务不会自动发出：
          {work.map((w) => `「${w.name || w.campaign_id}」${w.tasks} 个任务`).join('、')}
          。如需触达这些客户，请在交接完成后重新创建推送。
        </>
      }
    />
  );
}
