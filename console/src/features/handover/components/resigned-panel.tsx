import { App, type CheckboxProps, Button, Card, Empty, Flex, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { QueryError } from '@/components/query-error';
import { StaffSelect, useStaffLabel } from '@/components/staff-select';
import { errorMessage } from '@/lib/api/errors';
import { formatUnixSeconds } from '@/lib/format';
import type { Schemas } from '@/lib/api/client';
import { useCreateHandover, useUnassigned, type DepartedConsultant } from '../api/handovers';
import { PendingCampaignsAlert } from './pending-campaigns-alert';

type UnassignedCustomer = Schemas['UnassignedCustomerView'];

/** One departed consultant's customers: pick some (or all) and a takeover consultant. */
function DepartedCard({ departed, onCreated }: { departed: DepartedConsultant; onCreated: (id: string) => void }) {
  const { message } = App.useApp();
  const staffLabel = useStaffLabel();
  const [selected, setSelected] = useState<string[]>([]);
  const [takeover, setTakeover] = useState<string | undefined>();
  const create = useCreateHandover();
  const userid = departed.handover_userid;

  const assign = (all: boolean) => {
    if (!takeover) {
      void message.error('请选择接替成员');
      return;
    }
    create.mutate(
      {
        body: {
          kind: 'resigned',
          handover_userid: userid,
          takeover_userid: takeover,
          ...(all ? { all_unassigned: true } : { external_userids: selected }),
        },
      },
      {
        onSuccess: (d) => {
          void message.success(`已分配 ${d.handover.total} 位客户给 ${staffLabel(takeover)}，24 小时后完成接替`);
          setSelected([]);
          onCreated(d.handover.id);
        },
        onError: (e) => void message.error(errorMessage(e)),
      },
    );
  };

  const columns: TableColumnsType<UnassignedCustomer> = [
    { title: '客户', key: 'name', render: (_, c) => c.name ?? c.external_userid },
  ];

  return (
    <Card
      size="small"
      style={{ marginBottom: 16 }}
      data-testid={`departed-${userid}`}
      title={
        <Space>
          <span>{staffLabel(userid)}</span>
          <Typography.Text type="secondary">离职于 {formatUnixSeconds(departed.dimission_time)}</Typography.Text>
          <Typography.Text type="secondary">待分配 {departed.customers.length} 位客户</Typography.Text>
        </Space>
      }
    >
      <PendingCampaignsAlert work={departed.pending_campaigns} />
      <Table
        rowKey="external_userid"
        size="small"
        columns={columns}
        dataSource={departed.customers}
        rowSelection={{
          selectedRowKeys: selected,
          onChange: (keys) => setSelected(keys.map(String)),
          getCheckboxProps: (c) => ({ 'aria-label': `选择客户 ${c.name ?? c.external_userid}` }) as CheckboxProps,
        }}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
      />
      <Flex gap={8} wrap align="center" style={{ marginTop: 12 }}>
        <span>接替成员</span>
        <StaffSelect
          style={{ width: 220 }}
          value={takeover}
          onChange={(v) => setTakeover(typeof v === 'string' ? v : undefined)}
          placeholder="选择接手的顾问"
          aria-label="接替成员"
        />
        <Button disabled={selected.length === 0} loading={create.isPending} onClick={() => assign(false)}>
          分配所选（{selected.length}）
        </Button>
        <Button type="primary" loading={create.isPending} onClick={() => assign(true)}>
          全部分配
        </Button>
      </Flex>
    </Card>
  );
}

/** 离职继承: the customers departed consultants left, by consultant. */
export function ResignedPanel({ onCreated }: { onCreated: (id: string) => void }) {
  const unassigned = useUnassigned();
  if (unassigned.error) return <QueryError error={unassigned.error} onRetry={() => void unassigned.refetch()} />;
  const consultants = unassigned.data?.consultants ?? [];
  if (!unassigned.isLoading && consultants.length === 0) {
    return <Empty description="没有待分配的离职成员客户" />;
  }
  return (
    <div>
      {consultants.map((d) => (
        <DepartedCard key={d.handover_userid} departed={d} onCreated={onCreated} />
      ))}
    </div>
  );
}
