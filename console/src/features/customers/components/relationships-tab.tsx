import { EditOutlined, SyncOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Divider, Empty, Flex, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { formatUnixSeconds } from '@/lib/format';
import { END_CAUSE, RELATIONSHIP_STATUS, addWayLabel, labelOf } from '@/lib/labels';
import {
  channelLabel,
  corpTagIds,
  orderedRelationships,
  tagChanges,
  type ChannelView,
  type CustomerDetail,
  type RelationshipView,
} from '../api/customer-view';
import { useMarkTags, useRefreshTags, useTagCatalogue } from '../api/customers';
import { useStaffLabel } from '@/components/staff-select';
import { useAccess } from '@/lib/access';
import { RemarkDrawer } from './remark-drawer';
import { StatusBadge } from './status-badge';

interface Props {
  customer: CustomerDetail;
  channels: Record<string, ChannelView> | undefined;
}

/** Every consultant relationship: how and when the customer was added, its tags (editable). */
export function RelationshipsTab({ customer, channels }: Props) {
  if (customer.follow_users.length === 0) {
    return <Empty description="该客户没有跟进成员记录。可点击右上角「同步」从企业微信获取。" />;
  }
  return (
    <Space direction="vertical" size={12} style={{ width: '100%' }}>
      {orderedRelationships(customer.follow_users).map((relationship) => (
        <RelationshipCard
          key={relationship.userid}
          externalUserid={customer.external_userid}
          relationship={relationship}
          channels={channels}
        />
      ))}
    </Space>
  );
}

function RelationshipCard({
  externalUserid,
  relationship: r,
  channels,
}: {
  externalUserid: string;
  relationship: RelationshipView;
  channels: Record<string, ChannelView> | undefined;
}) {
  const staffLabel = useStaffLabel();
  const status = labelOf(RELATIONSHIP_STATUS, r.status);
  const personal = r.tags.filter((t) => t.type !== 1);
  const access = useAccess();
  const [editing, setEditing] = useState(false);
  // A consultant edits only their own remark; the API refuses the rest anyway.
  const mayEdit = r.status !== 'ended' && (access.can('manager') || access.userid === r.userid);
  return (
    <Card
      size="small"
      extra={
        mayEdit && (
          <Button size="small" icon={<EditOutlined />} onClick={() => setEditing(true)}>
            修改备注
          </Button>
        )
      }
      title={
        <Space>
          <span>跟进成员：{staffLabel(r.userid)}</span>
          <StatusBadge label={status.label} color={status.color} />
        </Space>
      }
    >
      <Descriptions
        size="small"
        column={window.innerWidth < 576 ? 1 : 2}
        items={[
          { key: 'channel', label: '渠道', children: channelLabel(channels, r.state) },
          { key: 'add_way', label: '添加方式', children: addWayLabel(r.add_way) },
          { key: 'added', label: '添加时间', children: formatUnixSeconds(r.createtime) },
          ...(r.oper_userid && r.oper_userid !== r.userid
            ? [{ key: 'oper', label: '发起添加', children: r.oper_userid === externalUserid ? '客户' : staffLabel(r.oper_userid) }]
            : []),
          ...(r.remark ? [{ key: 'remark', label: '备注', children: r.remark }] : []),
          ...(r.description ? [{ key: 'desc', label: '描述', children: r.description }] : []),
          ...(r.remark_mobiles.length > 0
            ? [{ key: 'mobiles', label: '备注手机号', children: r.remark_mobiles.join('、') }]
            : []),
          ...(r.status === 'ended'
            ? [
                {
                  key: 'ended',
                  label: '流失',
                  children: `${formatUnixSeconds(r.ended_at)}${r.end_cause ? ` · ${END_CAUSE[r.end_cause] ?? r.end_cause}` : ''}`,
                },
              ]
            : []),
        ]}
      />
      <TagEditor externalUserid={externalUserid} relationship={r} />
      <RemarkDrawer externalUserid={externalUserid} relationship={r} open={editing} onClose={() => setEditing(false)} />
      {personal.length > 0 && (
        <Flex gap={4} wrap align="center" style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">个人标签：</Typography.Text>
          {personal.map((t) => (
            <Tag key={`${t.group_name}:${t.tag_name}`}>{t.tag_name}</Tag>
          ))}
        </Flex>
      )}
    </Card>
  );
}

/** The relationship's corp tags (企业标签), changed in WeCom with `mark_tag`. */
function TagEditor({ externalUserid, relationship }: { externalUserid: string; relationship: RelationshipView }) {
  const { message } = App.useApp();
  const catalogue = useTagCatalogue();
  const refresh = useRefreshTags();
  const mark = useMarkTags(externalUserid);
  const current = useMemo(() => corpTagIds(relationship), [relationship]);
  const [draft, setDraft] = useState<string[] | null>(null);
  const selected = draft ?? current;
  const changes = tagChanges(current, selected);
  const dirty = changes.add_tag.length + changes.remove_tag.length > 0;
  const ended = relationship.status === 'ended';

  const options = useMemo(() => {
    const known = new Set<string>();
    const groups = (catalogue.data?.tag_group ?? []).map((group) => ({
      label: group.group_name,
      title: group.group_name,
      options: group.tag.map((tag) => {
        known.add(tag.id);
        return { value: tag.id, label: tag.name };
      }),
    }));
    // Tags on the customer that the catalogue no longer lists (deleted in WeCom) still show.
    const stray = relationship.tags
      .filter((t) => t.type === 1 && t.tag_id && !known.has(t.tag_id))
      .map((t) => ({ value: t.tag_id as string, label: t.tag_name }));
    return stray.length > 0 ? [...groups, { label: '其他', title: '其他', options: stray }] : groups;
  }, [catalogue.data, relationship.tags]);

  const save = () =>
    mark.mutate(
      { params: { path: { external_userid: externalUserid } }, body: { userid: relationship.userid, ...changes } },
      {
        onSuccess: () => {
          setDraft(null);
          void message.success('企业标签已更新');
        },
      },
    );

  const selectId = `tags-${relationship.userid}`;
  return (
    <div style={{ marginTop: 8 }}>
      <label htmlFor={selectId} style={{ display: 'block', marginBottom: 4 }}>
        企业标签
      </label>
      <Tooltip title={ended ? '好友关系已结束，无法修改标签' : undefined}>
        <Select
          id={selectId}
          mode="multiple"
          style={{ width: '100%' }}
          value={selected}
          onChange={(next: string[]) => {
            mark.reset();
            setDraft(next);
          }}
          options={options}
          optionFilterProp="label"
          disabled={ended || mark.isPending}
          loading={catalogue.isPending || refresh.isPending}
          placeholder="选择企业标签"
          notFoundContent={catalogue.isError ? '标签加载失败' : '没有企业标签，请先在企业微信管理后台创建'}
          onOpenChange={(open) => {
            if (open) void catalogue.refetch();
          }}
          popupRender={(menu) => (
            <>
              {menu}
              <Divider style={{ margin: '4px 0' }} />
              <Flex justify="space-between" align="center" gap={8} style={{ padding: '2px 8px 4px' }}>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {refresh.isError ? `更新失败：${errorMessage(refresh.error)}` : '没有找到标签？'}
                </Typography.Text>
                <Button size="small" type="link" icon={<SyncOutlined />} loading={refresh.isPending} onClick={() => refresh.mutate()}>
                  从企业微信更新标签
                </Button>
              </Flex>
            </>
          )}
        />
      </Tooltip>
      {mark.isError && (
        <Alert type="error" showIcon role="alert" message={errorMessage(mark.error)} style={{ marginTop: 8 }} />
      )}
      {dirty && (
        <Flex gap={8} align="center" wrap style={{ marginTop: 8 }}>
          <Typography.Text type="secondary">
            {changes.add_tag.length > 0 && `添加 ${changes.add_tag.length} 个`}
            {changes.add_tag.length > 0 && changes.remove_tag.length > 0 && '，'}
            {changes.remove_tag.length > 0 && `移除 ${changes.remove_tag.length} 个`}
            ，保存后同步到企业微信
          </Typography.Text>
          <Button type="primary" size="small" loading={mark.isPending} onClick={save}>
            保存标签
          </Button>
          <Button size="small" disabled={mark.isPending} onClick={() => setDraft(null)}>
            取消
          </Button>
        </Flex>
      )}
    </div>
  );
}
