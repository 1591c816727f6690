import { Col, Row, Skeleton } from 'antd';
import { lazy, Suspense } from 'react';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { useConfig } from '../api/config';
import { AlertsCard } from './alerts-card';
import { CallbackCard } from './callback-card';
import { ChannelsCard } from './channels-card';
import { ConnectionTestCard } from './connection-test-card';
import { CredentialsCard } from './credentials-card';
import { SendRulesCard } from './send-rules-card';

/** 数据保留 (admin only, like this page): its own chunk. */
const RetentionCard = lazy(() => import('./retention-card'));

/** The callback URL WeCom must be given: this console's origin in local mode, the API's in AWS. */
function callbackUrl(fromApi: string | null | undefined): string {
  return fromApi ?? `${window.location.origin}/api/wework/callback`;
}

export function WeworkConfigPage() {
  const config = useConfig();

  return (
    <PageContainer
      title="企业微信配置"
      description="连接企业微信自建应用：应用凭证、接收消息服务器、渠道与欢迎语、推送规则、成员提醒、数据保留。"
    >
      {config.isError && <QueryError error={config.error} onRetry={() => void config.refetch()} />}
      {config.isPending && <Skeleton active paragraph={{ rows: 10 }} />}
      {config.data && (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={12}>
            <CredentialsCard config={config.data} />
          </Col>
          <Col xs={24} xl={12}>
            <ConnectionTestCard />
          </Col>
          <Col xs={24}>
            <CallbackCard
              config={config.data}
              callbackUrl={callbackUrl(config.data.callback_url)}
            />
          </Col>
          <Col xs={24}>
            <ChannelsCard config={config.data} />
          </Col>
          <Col xs={24}>
            <SendRulesCard config={config.data} />
          </Col>
          <Col xs={24}>
            <AlertsCard config={config.data} />
          </Col>
          <Col xs={24}>
            <Suspense fallback={<Skeleton active paragraph={{ rows: 5 }} />}>
              <RetentionCard />
            </Suspense>
          </Col>
        </Row>
      )}
    </PageContainer>
  );
}
