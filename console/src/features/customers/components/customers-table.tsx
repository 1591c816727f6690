import { Avatar, Button, Flex, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { formatDate, formatFen, formatTime } from '@/lib/format';
import { CUSTOMER_STATUS, addWayLabel, genderLabel, labelOf } from '@/lib/labels';
import {
  channelLabel,
  customerTags,
  displayName,
  firstRelationship,
  orderedRelationships,
  type ChannelView,
  type CustomerSummary,
  type RelationshipView,
} from '../api/customer-view';
import { useStaffLabel } from '@/components/staff-select';
import { StageTag } from './stage-tag';
import { StatusBadge } from './status-badge';

interface Props {
  customers: CustomerSummary[];
  channels: Record<string, ChannelView> | undefined;
  loading: boolean;
  onOpen: (externalUserid: string) => void;
  empty: ReactNode;
  footer?: ReactNode;
}

const TIER_COLOR: Record<string, string> = { A: 'magenta', B: 'blue', C: 'default' };
const MAX_TAGS = 3;

export function TierTag({ tier }: { tier: string | null | undefined }) {
  if (!tier) return <Typography.Text type="secondary">—</Typography.Text>;
  return <Tag color={TIER_COLOR[tier] ?? 'default'}>{tier} 级</Tag>;
}

/** A letter avatar: WeCom's avatar URLs are not loaded (the console's CSP allows only itself). */
export function CustomerAvatar({ name, size = 32 }: { name: string; size?: number }) {
  return (
    <Avatar size={size} style={{ background: '#e6f4ff', color: '#0958d9', flex: 'none' }} aria-hidden>
      {Array.from(name.trim())[0] ?? '客'}
    </Avatar>
  );
}

function Consultants({ relationships }: { relationships: RelationshipView[] }) {
  const staffLabel = useStaffLabel();
  if (relationships.length === 0) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <Space size={[4, 4]} wrap>
      {orderedRelationships(relationships).map((r) => {
        const name = staffLabel(r.userid);
        if (r.status === 'ended') {
          return (
            <Tooltip key={r.userid} title={`已流失：好友关系已结束（${r.userid}）`}>
              <Typography.Text type="secondary" delete>
                {name}
              </Typography.Text>
            </Tooltip>
          );
        }
        return (
          <span key={r.userid} title={name === r.userid ? undefined : `成员账号：${r.userid}`}>
            {name}
            {r.status === 'pending' && (
              <span style={{ marginInlineStart: 6 }}>
                <StatusBadge label="待通过" color="gold" />
              </span>
            )}
          </span>
        );
      })}
    </Space>
  );
}

function Tags({ relationships }: { relationships: RelationshipView[] }) {
  const tags = customerTags(relationships);
  if (tags.length === 0) return <Typography.Text type="secondary">—</Typography.Text>;
  const shown = tags.slice(0, MAX_TAGS);
  const rest = tags.slice(MAX_TAGS);
  return (
    <Flex gap={4} wrap>
      {shown.map((tag) => (
        <Tag key={tag.key} color={tag.type === 1 ? 'geekblue' : undefined} title={tag.group ? `${tag.group}：${tag.name}` : tag.name}>
          {tag.name}
        </Tag>
      ))}
      {rest.length > 0 && (
        <Tooltip title={rest.map((t) => t.name).join('、')}>
          <Tag tabIndex={0} aria-label={`另外 ${rest.length} 个标签：${rest.map((t) => t.name).join('、')}`}>
            +{rest.length}
          </Tag>
        </Tooltip>
      )}
    </Flex>
  );
}

/** The customer list: WeCom's fields (添加方式, 来源, 跟进人, 标签) and the clinic's. */
export function CustomersTable({ customers, channels, loading, onOpen, empty, footer }: Props) {
  const columns: TableColumnsType<CustomerSummary> = [
    {
      title: '客户',
      key: 'name',
      fixed: 'left',
      width: 200,
      render: (_, c) => (
        <Flex gap={8} align="center">
          <CustomerAvatar name={displayName(c)} />
          <div style={{ minWidth: 0 }}>
            <Button type="link" style={{ padding: 0, height: 'auto' }} onClick={() => onOpen(c.external_userid)}>
              <Typography.Text ellipsis style={{ maxWidth: 130, color: 'inherit' }}>
                {displayName(c)}
              </Typography.Text>
            </Button>
            <div>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {genderLabel(c.gender)}
                {c.type === 2 ? ' · 企业微信' : ''}
              </Typography.Text>
            </div>
          </div>
        </Flex>
      ),
    },
    {
      title: '来源',
      key: 'channel',
      width: 110,
      render: (_, c) => channelLabel(channels, c.first_channel || firstRelationship(c)?.state),
    },
    {
      title: '添加方式',
      key: 'add_way',
      width: 120,
      render: (_, c) => {
        const first = firstRelationship(c);
        return first ? addWayLabel(first.add_way) : '—';
      },
    },
    {
      title: '跟进人',
      key: 'follow_users',
      width: 150,
      render: (_, c) => <Consultants relationships={c.follow_users} />,
    },
    {
      title: '标签',
      key: 'tags',
      width: 240,
      render: (_, c) => <Tags relationships={c.follow_users} />,
    },
    { title: '客户分层', key: 'tier', width: 90, render: (_, c) => <TierTag tier={c.tier} /> },
    { title: '客户阶段', key: 'stage', width: 100, render: (_, c) => <StageTag stage={c.stage} /> },
    { title: '心理类型', key: 'psych_type', width: 100, render: (_, c) => c.psych_type || '—' },
    {
      title: '最近消费',
      key: 'last_purchase',
      width: 110,
      render: (_, c) => formatDate(c.last_purchase_at_ms),
    },
    {
      title: '累计消费',
      key: 'total_spent',
      width: 120,
      align: 'right',
      render: (_, c) => formatFen(c.total_spent_fen),
    },
    { title: '添加时间', key: 'added', width: 150, render: (_, c) => formatTime(c.first_added_at_ms) },
    {
      title: '状态',
      key: 'status',
      width: 90,
      render: (_, c) => {
        const s = labelOf(CUSTOMER_STATUS, c.status);
        return <StatusBadge label={s.label} color={s.color} />;
      },
    },
    {
      title: '操作',
      key: 'actions',
      fixed: 'right',
      width: 80,
      render: (_, c) => (
        <Button type="link" size="small" onClick={() => onOpen(c.external_userid)} aria-label={`查看 ${displayName(c)} 的详情`}>
          详情
        </Button>
      ),
    },
  ];

  return (
    <Table<CustomerSummary>
      rowKey="external_userid"
      columns={columns}
      dataSource={customers}
      loading={loading}
      pagination={false}
      scroll={{ x: 1660 }}
      size="middle"
      locale={{ emptyText: empty }}
      footer={footer ? () => footer : undefined}
    />
  );
}
