import { SendOutlined, SyncOutlined } from '@ant-design/icons';
import { Alert, App, Button, Drawer, Flex, Skeleton, Space, Tabs, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { useAccess } from '@/lib/access';
import { errorMessage } from '@/lib/api/errors';
import { CUSTOMER_STATUS, genderLabel, labelOf } from '@/lib/labels';
import { displayName, type ChannelView, type CustomerDetail } from '../api/customer-view';
import { useCustomer, useSyncCustomer } from '../api/customers';
import { ActivityTab } from './activity-tab';
import { ConsentsTab } from './consents-tab';
import { CustomerAvatar, TierTag } from './customers-table';
import { MessagesTab } from './messages-tab';
import { PrivacyActions } from './privacy-actions';
import { ProfileTab } from './profile-tab';
import { RecordsTab } from './records-tab';
import { RelationshipsTab } from './relationships-tab';
import { SendMessageDrawer } from './send-message-drawer';
import { StageSelect } from './stage-tag';
import { StatusBadge } from './status-badge';

interface Props {
  externalUserid: string | null;
  channels: Record<string, ChannelView> | undefined;
  onClose: () => void;
}

function drawerWidth(): number {
  return Math.min(800, window.innerWidth);
}

/** One customer: profile and the clinic's fields, relationships and tags, history, records, messages. */
export function CustomerDrawer({ externalUserid, channels, onClose }: Props) {
  // The customer stays on screen while the drawer slides away.
  const [shownId, setShownId] = useState(externalUserid);
  if (externalUserid && externalUserid !== shownId) setShownId(externalUserid);
  const customer = useCustomer(shownId);
  const detail = customer.data;

  return (
    <Drawer
      open={Boolean(externalUserid)}
      onClose={onClose}
      width={drawerWidth()}
      destroyOnHidden
      title={detail ? <DrawerTitle customer={detail} /> : '客户详情'}
      extra={detail && <DrawerActions key={detail.external_userid} customer={detail} onErased={onClose} />}
      styles={{ body: { paddingTop: 8 } }}
    >
      {customer.isError && <QueryError error={customer.error} onRetry={() => void customer.refetch()} title="客户加载失败" />}
      {customer.isPending && shownId && <Skeleton active avatar paragraph={{ rows: 8 }} />}
      {detail && <CustomerTabs key={detail.external_userid} customer={detail} channels={channels} />}
    </Drawer>
  );
}

function DrawerTitle({ customer }: { customer: CustomerDetail }) {
  const status = labelOf(CUSTOMER_STATUS, customer.status);
  return (
    <Flex gap={12} align="center" wrap>
      <CustomerAvatar name={displayName(customer)} size={40} />
      <div style={{ minWidth: 0 }}>
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }} ellipsis>
          {displayName(customer)}
        </Typography.Title>
        <Space size={4} wrap>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {genderLabel(customer.gender)} · {customer.type === 2 ? '企业微信用户' : '微信用户'}
            {customer.corp_name ? ` · ${customer.corp_name}` : ''}
          </Typography.Text>
          <StatusBadge label={status.label} color={status.color} />
          {customer.tier && <TierTag tier={customer.tier} />}
          <StageSelect externalUserid={customer.external_userid} stage={customer.stage} />
        </Space>
      </div>
    </Flex>
  );
}

/** 同步 (from WeCom, now), 发送消息, 导出个人信息 and 删除个人信息. */
function DrawerActions({ customer, onErased }: { customer: CustomerDetail; onErased: () => void }) {
  const isAdmin = useAccess().can('admin');
  const { message } = App.useApp();
  const sync = useSyncCustomer(customer.external_userid);
  const [composing, setComposing] = useState(false);
  const canMessage = customer.follow_users.some((r) => r.status === 'active');

  return (
    <>
      <Space wrap>
        <Tooltip title="从企业微信重新获取客户资料、跟进成员与标签">
          <Button
            icon={<SyncOutlined spin={sync.isPending} />}
            disabled={sync.isPending}
            onClick={() =>
              sync.mutate(
                { params: { path: { external_userid: customer.external_userid } } },
                {
                  onSuccess: () => void message.success('同步完成'),
                  onError: (e) => void message.error({ content: `同步失败：${errorMessage(e)}`, duration: 8 }),
                },
              )
            }
          >
            {sync.isPending ? '同步中…' : '同步'}
          </Button>
        </Tooltip>
        <Tooltip title={canMessage ? '由跟进成员在企业微信中确认后发送给该客户' : '客户没有正常的跟进成员，无法发送'}>
          <Button type="primary" icon={<SendOutlined />} disabled={!canMessage} onClick={() => setComposing(true)}>
            发送消息
          </Button>
        </Tooltip>
        {/* Data-subject export and erasure are an administrator's. */}
        {isAdmin && <PrivacyActions externalUserid={customer.external_userid} name={displayName(customer)} onErased={onErased} />}
      </Space>
      <SendMessageDrawer customer={customer} open={composing} onClose={() => setComposing(false)} />
    </>
  );
}

function CustomerTabs({ customer, channels }: { customer: CustomerDetail; channels: Record<string, ChannelView> | undefined }) {
  const [tab, setTab] = useState('profile');
  const merged = customer.merged_into;
  return (
    <>
      {merged && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          message="该客户已合并到另一位客户"
          description={`同一微信用户的新记录：${merged}。请在那位客户上查看和编辑。`}
        />
      )}
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          { key: 'profile', label: '资料', children: <ProfileTab customer={customer} channels={channels} /> },
          {
            key: 'relationships',
            label: `跟进成员与标签（${customer.follow_users.length}）`,
            children: <RelationshipsTab customer={customer} channels={channels} />,
          },
          { key: 'activity', label: '动态', children: <ActivityTab customer={customer} channels={channels} /> },
          { key: 'records', label: '预约与消费', children: <RecordsTab externalUserid={customer.external_userid} /> },
          { key: 'consents', label: '授权记录', children: <ConsentsTab externalUserid={customer.external_userid} /> },
          { key: 'messages', label: '消息记录', children: <MessagesTab externalUserid={customer.external_userid} /> },
        ]}
      />
    </>
  );
}
