import { Tabs } from 'antd';
import { useSearchParams } from 'react-router';
import { PageContainer } from '@/components/page-container';
import { opsTab } from '../api/tabs';
import { AuditTab } from './audit-tab';
import { DeadLettersTab } from './dead-letters-tab';
import { EventLogTab } from './event-log-tab';
import { StatsCheckTab } from './stats-check-tab';
import { SyncTab } from './sync-tab';

/** 运维: the WeCom event log, dead letters, sync runs, the statistics check and the audit log; the tab is in the URL (`?tab=`). */
export function OpsPage() {
  const [params, setParams] = useSearchParams();
  const tab = opsTab(params.get('tab'));

  return (
    <PageContainer
      title="运维"
      description="查看企业微信事件与处理结果、处理失败的消息、同步进度、统计校验和操作日志；修复问题后可重新处理。"
    >
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={[
          { key: 'events', label: '企业微信事件日志', children: <EventLogTab /> },
          { key: 'dead-letters', label: '处理失败的消息', children: <DeadLettersTab /> },
          { key: 'sync', label: '同步', children: <SyncTab /> },
          { key: 'stats', label: '统计校验', children: <StatsCheckTab /> },
          { key: 'audit', label: '操作日志', children: <AuditTab /> },
        ]}
      />
    </PageContainer>
  );
}
