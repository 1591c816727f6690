import { DeleteOutlined, DownloadOutlined, EditOutlined, EyeOutlined, PlusOutlined, QuestionCircleOutlined, ReloadOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { App, Button, Card, Checkbox, Flex, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { EmptyState } from '@/components/empty-state';
import { PageContainer } from '@/components/page-container';
import { useStaffLabel } from '@/components/staff-select';
import { QueryError } from '@/components/query-error';
import { useAccess } from '@/lib/access';
import { errorMessage } from '@/lib/api/errors';
import { formatTime } from '@/lib/format';
import { CONTACT_WAY_SCENE, CONTACT_WAY_TYPE } from '@/lib/labels';
import {
  useChannels,
  useContactWays,
  useDeleteContactWay,
  type ChannelView,
  type ContactWayView,
} from '../api/contact-ways';
import { formatDuration } from '../api/form';
import { ContactWayDrawer } from './contact-way-drawer';
import { useQrDownload } from '../api/qr';
import { QrPreviewModal } from './qr-preview-modal';

/** Customers added through this code: an exact, maintained count (and how many are still connected). */
function CustomersAdded({ way }: { way: ContactWayView }) {
  if (way.contact_way.state === '') {
    return (
      <Tooltip title="没有渠道标识的「联系我」无法统计添加的客户">
        <span>—</span>
      </Tooltip>
    );
  }
  return (
    <Tooltip title={`仍为好友 ${way.still_connected} 人`}>
      <span data-testid={`customers-added-${way.config_id}`}>{way.customers_added}</span>
    </Tooltip>
  );
}

function channelText(state: string, channels: Record<string, ChannelView> | undefined) {
  if (!state) return <Typography.Text type="secondary">未设置渠道</Typography.Text>;
  const channel = channels?.[state];
  return (
    <Space direction="vertical" size={0}>
      <span>{channel?.label ?? state}</span>
      {channel && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {state}
        </Typography.Text>
      )}
    </Space>
  );
}

export function ContactWaysPage() {
  // Consultants use the codes (preview, download); creating, editing and deleting is a manager's.
  const canEdit = useAccess().can('manager');
  const { message } = App.useApp();
  const [stateFilter, setStateFilter] = useState<string | undefined>();
  const [includeDeleted, setIncludeDeleted] = useState(false);
  const [drawer, setDrawer] = useState<{ open: boolean; editing: ContactWayView | null }>({ open: false, editing: null });
  const [preview, setPreview] = useState<ContactWayView | null>(null);
  const ways = useContactWays({ state: stateFilter, includeDeleted });
  const channels = useChannels();
  const remove = useDeleteContactWay();
  const staffLabel = useStaffLabel();
  const { download, downloading } = useQrDownload();
  const queryClient = useQueryClient();
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/contact-ways'] });
    void queryClient.invalidateQueries({ queryKey: ['get', '/api/contact-ways/{config_id}'] });
  };
  const rows = ways.data?.pages.flatMap((page) => page.items) ?? [];

  const onDelete = (way: ContactWayView) =>
    new Promise<void>((resolve) => {
      remove.mutate(
        { params: { path: { config_id: way.config_id } } },
        {
          onSuccess: () => {
            void message.success('已删除，二维码已失效');
            resolve();
          },
          onError: (e) => {
            void message.error(errorMessage(e));
            resolve();
          },
        },
      );
    });

  const columns: TableColumnsType<ContactWayView> = [
    {
      title: '渠道',
      key: 'channel',
      width: 150,
      fixed: 'left',
      render: (_, way) => (
        <Space direction="vertical" size={0}>
          {channelText(way.contact_way.state, channels.data)}
          {way.contact_way.remark && (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              备注：{way.contact_way.remark}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: (
        <Tooltip title="通过该「联系我」添加的客户数。多个「联系我」共用一个渠道标识时，按其中列出的跟进人区分">
          <Space size={4}>
            添加客户数
            <QuestionCircleOutlined aria-label="说明" />
          </Space>
        </Tooltip>
      ),
      key: 'customers_added',
      width: 120,
      align: 'right',
      render: (_, way) => <CustomersAdded way={way} />,
    },
    {
      title: '类型',
      key: 'type',
      width: 90,
      render: (_, way) => (
        <Space size={4} wrap>
          {CONTACT_WAY_TYPE[way.contact_way.type] ?? way.contact_way.type}
          {way.contact_way.is_temp && <Tag color="purple">临时会话</Tag>}
          {way.status === 'deleted' && <Tag>已删除</Tag>}
        </Space>
      ),
    },
    {
      title: '场景',
      key: 'scene',
      width: 130,
      render: (_, way) => CONTACT_WAY_SCENE[way.contact_way.scene] ?? way.contact_way.scene,
    },
    {
      title: '成员',
      key: 'user',
      width: 130,
      render: (_, way) => {
        const parts = [...way.contact_way.user.map(staffLabel), ...way.contact_way.party.map((p) => `部门 ${p}`)];
        return parts.length > 0 ? parts.join('、') : '—';
      },
    },
    {
      title: '有效期',
      key: 'validity',
      width: 120,
      render: (_, way) =>
        way.contact_way.is_temp ? (
          <Space direction="vertical" size={0}>
            <span>二维码 {formatDuration(way.contact_way.expires_in ?? 7 * 86_400)}</span>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              会话 {formatDuration(way.contact_way.chat_expires_in ?? 86_400)}
            </Typography.Text>
          </Space>
        ) : (
          '长期有效'
        ),
    },
    {
      title: '创建时间',
      dataIndex: 'created_at_ms',
      width: 160,
      render: (ms: number) => formatTime(ms),
    },
    {
      title: '操作',
      key: 'actions',
      width: 170,
      fixed: 'right',
      render: (_, way) => {
        if (way.status === 'deleted') {
          return <Typography.Text type="secondary">删除于 {formatTime(way.deleted_at_ms)}</Typography.Text>;
        }
        const noQr = way.contact_way.scene !== 2 || !way.contact_way.qr_code;
        const noQrWhy = '在小程序中联系的「联系我」没有二维码';
        return (
          <Space size={0}>
            <Tooltip title={noQr ? noQrWhy : '预览二维码'}>
              <Button type="text" icon={<EyeOutlined />} aria-label="预览" disabled={noQr} onClick={() => setPreview(way)} />
            </Tooltip>
            <Tooltip title={noQr ? noQrWhy : '下载二维码（PNG）'}>
              <Button
                type="text"
                icon={<DownloadOutlined />}
                aria-label="下载"
                disabled={noQr}
                loading={downloading === way.config_id}
                onClick={() => void download(way)}
              />
            </Tooltip>
            {canEdit && (
              <Tooltip title="编辑">
                <Button type="text" icon={<EditOutlined />} aria-label="编辑" onClick={() => setDrawer({ open: true, editing: way })} />
              </Tooltip>
            )}
            {canEdit && (
            <Popconfirm
              title="删除这个「联系我」？"
              description="删除后二维码立即失效，客户无法再扫码添加；已添加的客户和统计不受影响。"
              okText="删除"
              okButtonProps={{ danger: true }}
              cancelText="取消"
              onConfirm={() => onDelete(way)}
            >
              <Tooltip title="删除">
                <Button type="text" danger icon={<DeleteOutlined />} aria-label="删除" />
              </Tooltip>
            </Popconfirm>
            )}
          </Space>
        );
      },
    },
  ];

  const channelFilterOptions = Object.entries(channels.data ?? {}).map(([value, channel]) => ({
    value,
    label: `${channel.label}（${value}）`,
  }));

  return (
    <PageContainer
      title="「联系我」"
      description="生成带渠道标识的「联系我」二维码，客户扫码即可添加顾问，并自动打上来源渠道标签。"
      extra={
        canEdit && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDrawer({ open: true, editing: null })}>
            新建「联系我」
          </Button>
        )
      }
    >
      <Card>
        <Flex gap={12} wrap align="center" style={{ marginBottom: 16 }}>
          <Select
            aria-label="按渠道筛选"
            placeholder="全部渠道"
            allowClear
            showSearch
            optionFilterProp="label"
            style={{ width: 240 }}
            value={stateFilter}
            onChange={(value: string | undefined) => setStateFilter(value)}
            options={channelFilterOptions}
          />
          <Checkbox checked={includeDeleted} onChange={(e) => setIncludeDeleted(e.target.checked)}>
            显示已删除
          </Checkbox>
          <Button icon={<ReloadOutlined />} onClick={refresh} loading={ways.isRefetching}>
            刷新
          </Button>
        </Flex>
        {ways.isError && <QueryError error={ways.error} onRetry={() => void ways.refetch()} />}
        <Table<ContactWayView>
          rowKey="config_id"
          columns={columns}
          dataSource={rows}
          loading={ways.isPending}
          pagination={false}
          scroll={{ x: 1050 }}
          locale={{
            emptyText: ways.isPending ? ' ' : (
              <EmptyState
                description={
                  stateFilter
                    ? '该渠道还没有「联系我」。'
                    : '还没有「联系我」。新建一个二维码，放到小红书、抖音等渠道的物料中，客户扫码即可添加顾问。'
                }
                action={
                  canEdit && (
                    <Button type="primary" icon={<PlusOutlined />} onClick={() => setDrawer({ open: true, editing: null })}>
                      新建「联系我」
                    </Button>
                  )
                }
              />
            ),
          }}
        />
        {ways.hasNextPage && (
          <Flex justify="center" style={{ marginTop: 16 }}>
            <Button loading={ways.isFetchingNextPage} onClick={() => void ways.fetchNextPage()}>
              加载更多
            </Button>
          </Flex>
        )}
      </Card>
      <ContactWayDrawer
        open={drawer.open}
        editing={drawer.editing}
        onClose={() => setDrawer((d) => ({ ...d, open: false }))}
      />
      <QrPreviewModal way={preview} channels={channels.data} onClose={() => setPreview(null)} />
    </PageContainer>
  );
}
