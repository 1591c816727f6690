import { Card, Col, Flex, Row, Segmented, Skeleton } from 'antd';
import { useSearchParams } from 'react-router';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { formatTime } from '@/lib/format';
import { useOverview, windowOf, WINDOWS, type Window } from '../api/overview';
import { CampaignsCard } from './campaigns-card';
import { ChannelCharts } from './channel-charts';
import { DeadLetterAlert } from './dead-letter-alert';
import { PipelineFunnelCard } from './pipeline-funnel';
import { StatisticCards } from './statistic-cards';

/** 概览: the clinic's numbers for the last 7, 30 or 90 days (`?days=`), in one answer of the API. */
export function OverviewPage() {
  const [params, setParams] = useSearchParams();
  const days = windowOf(params.get('days'));
  const overview = useOverview(days);
  const view = overview.data;

  return (
    <PageContainer
      title="概览"
      description={
        view
          ? `新增客户、渠道效果、进行中的推送任务（北京时间 ${formatTime(view.from_ms)} 至今，每分钟自动刷新）。`
          : '新增客户、渠道效果、进行中的推送任务。'
      }
      extra={
        <Segmented<Window>
          aria-label="时间范围"
          value={days}
          onChange={(value) => setParams({ days: String(value) }, { replace: true })}
          options={WINDOWS.map((d) => ({ value: d, label: `近 ${d} 天` }))}
        />
      }
    >
      {overview.isError && <QueryError error={overview.error} onRetry={() => void overview.refetch()} />}
      {!view && overview.isPending && (
        <Card>
          <Skeleton active paragraph={{ rows: 8 }} />
        </Card>
      )}
      {view && (
        <Flex vertical gap={16}>
          <DeadLetterAlert view={view} />
          <StatisticCards view={view} />
          <ChannelCharts view={view} />
          <PipelineFunnelCard days={days} />
          <Row gutter={[16, 16]}>
            <Col xs={24}>
              <CampaignsCard view={view} />
            </Col>
          </Row>
        </Flex>
      )}
    </PageContainer>
  );
}
