import { TeamOutlined } from '@ant-design/icons';
import { Button, Flex, Input, Modal, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import { genderLabel, TIERS } from '@/lib/labels';
import type { PickedCustomer } from '../api/audience';
import { useCustomerSearch, type CustomerSummary } from '../api/campaigns';
import { customerName } from '../api/customer-name';

function pickedOf(c: CustomerSummary): PickedCustomer {
  const extra = [c.tier ? `${c.tier} 级` : null, genderLabel(c.gender)].filter(Boolean).join(' · ');
  return { value: c.external_userid, label: `${customerName(c)}（${extra}）` };
}

function useDebounced<T>(value: T, ms = 300): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return current;
}

interface SelectProps<T> {
  value?: T;
  onChange?: (value: T) => void;
  id?: string;
  'aria-label'?: string;
  status?: '' | 'error' | 'warning';
}

/** Searches customers by name or remark (`GET /api/customers?q=`) and picks one or several. */
export function CustomerSearchSelect(props: SelectProps<PickedCustomer | null> & { multiple?: false }): ReactElement;
export function CustomerSearchSelect(props: SelectProps<PickedCustomer[]> & { multiple: true }): ReactElement;
export function CustomerSearchSelect({
  multiple,
  value,
  onChange,
  ...rest
}: Omit<SelectProps<PickedCustomer | PickedCustomer[] | null>, 'onChange'> & {
  multiple?: boolean;
  onChange?: ((value: PickedCustomer | null) => void) | ((value: PickedCustomer[]) => void);
}) {
  const [search, setSearch] = useState('');
  const q = useDebounced(search);
  const found = useCustomerSearch({ q });
  const options = (found.data?.pages.flatMap((p) => p.items) ?? []).map(pickedOf);

  return (
    <Select<PickedCustomer | PickedCustomer[] | null>
      {...rest}
      mode={multiple ? 'multiple' : undefined}
      labelInValue
      showSearch
      allowClear
      filterOption={false}
      value={value ?? (multiple ? [] : null)}
      onChange={(next) => {
        const strip = (p: PickedCustomer) => ({ value: p.value, label: String(p.label) });
        const emit = onChange as ((value: PickedCustomer | PickedCustomer[] | null) => void) | undefined;
        emit?.(Array.isArray(next) ? next.map(strip) : next ? strip(next) : null);
      }}
      onSearch={setSearch}
      searchValue={search}
      autoClearSearchValue={false}
      options={options}
      loading={found.isFetching}
      notFoundContent={found.isFetching ? '搜索中…' : found.isError ? '无法读取客户' : '没有找到客户，换个名字或备注试试'}
      placeholder={multiple ? '输入客户名称或备注搜索，可多选' : '输入客户名称或备注搜索'}
      maxTagCount="responsive"
      style={{ width: '100%' }}
    />
  );
}

/** Picks a batch from the customer list: search, tier, channel, page by page. */
export function CustomerBatchModal({
  open,
  onClose,
  onAdd,
  channels,
}: {
  open: boolean;
  onClose: () => void;
  onAdd: (picked: PickedCustomer[]) => void;
  channels: { value: string; label: string }[];
}) {
  const [search, setSearch] = useState('');
  const [tier, setTier] = useState<'A' | 'B' | 'C' | undefined>();
  const [state, setState] = useState<string | undefined>();
  const [selected, setSelected] = useState<Map<string, PickedCustomer>>(new Map());
  const q = useDebounced(search);
  const found = useCustomerSearch({ q, tier, state }, open);
  const rows = useMemo(() => found.data?.pages.flatMap((p) => p.items) ?? [], [found.data]);
  const channelName = (s: string) => channels.find((c) => c.value === s)?.label ?? s;

  const columns: TableColumnsType<CustomerSummary> = [
    { title: '客户', key: 'name', render: (_, c) => customerName(c) },
    { title: '性别', key: 'gender', width: 70, render: (_, c) => genderLabel(c.gender) },
    { title: '客户分层', key: 'tier', width: 90, render: (_, c) => (c.tier ? `${c.tier} 级` : '—') },
    { title: '来源渠道', key: 'channel', width: 120, render: (_, c) => (c.first_channel ? channelName(c.first_channel) : '—') },
  ];

  return (
    <Modal
      open={open}
      title="从客户列表选择"
      width={Math.min(760, window.innerWidth - 24)}
      onCancel={onClose}
      okText={`添加所选（${selected.size}）`}
      okButtonProps={{ disabled: selected.size === 0 }}
      cancelText="取消"
      onOk={() => {
        onAdd([...selected.values()]);
        setSelected(new Map());
        onClose();
      }}
      destroyOnHidden
    >
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <Input.Search
          allowClear
          placeholder="客户名称或备注"
          aria-label="搜索客户"
          style={{ width: 220 }}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <Select
          allowClear
          placeholder="客户分层"
          aria-label="客户分层"
          style={{ width: 120 }}
          value={tier}
          onChange={setTier}
          options={TIERS.map((t) => ({ value: t, label: `${t} 级` }))}
        />
        <Select
          allowClear
          placeholder="来源渠道"
          aria-label="来源渠道"
          style={{ width: 160 }}
          value={state}
          onChange={setState}
          options={channels}
        />
      </Flex>
      <Table<CustomerSummary>
        size="small"
        rowKey="external_userid"
        columns={columns}
        dataSource={rows}
        loading={found.isPending && open}
        pagination={false}
        scroll={{ y: 360 }}
        rowSelection={{
          selectedRowKeys: [...selected.keys()],
          onChange: (keys, picked) => {
            // Keep what was picked on pages or searches no longer shown.
            const next = new Map(selected);
            for (const row of rows) if (!keys.includes(row.external_userid)) next.delete(row.external_userid);
            for (const c of picked) next.set(c.external_userid, pickedOf(c));
            setSelected(next);
          },
        }}
        locale={{ emptyText: found.isError ? '无法读取客户' : '没有符合条件的客户' }}
      />
      <Flex justify="space-between" align="center" style={{ marginTop: 12 }}>
        <Typography.Text type="secondary">只列出正常状态的客户。</Typography.Text>
        {found.hasNextPage && (
          <Button onClick={() => void found.fetchNextPage()} loading={found.isFetchingNextPage}>
            加载更多
          </Button>
        )}
      </Flex>
    </Modal>
  );
}

/** A batch: search-and-pick, plus the list picker; says how many are chosen. */
export function CustomerBatchField({
  value,
  onChange,
  channels,
  id,
  max,
}: {
  value?: PickedCustomer[];
  onChange?: (value: PickedCustomer[]) => void;
  channels: { value: string; label: string }[];
  id?: string;
  max: number;
}) {
  const [open, setOpen] = useState(false);
  const picked = value ?? [];
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <CustomerSearchSelect multiple id={id} value={picked} onChange={(next) => onChange?.(next)} />
      <Flex gap={12} align="center" wrap>
        <Button icon={<TeamOutlined />} onClick={() => setOpen(true)}>
          从客户列表选择…
        </Button>
        <Typography.Text type={picked.length > max ? 'danger' : 'secondary'}>
          已选择 {picked.length} 位（最多 {max} 位）
        </Typography.Text>
        {picked.length > 0 && (
          <Button type="link" size="small" onClick={() => onChange?.([])}>
            清空
          </Button>
        )}
      </Flex>
      <CustomerBatchModal
        open={open}
        onClose={() => setOpen(false)}
        channels={channels}
        onAdd={(more) => {
          const merged = new Map(picked.map((p) => [p.value, p]));
          for (const p of more) merged.set(p.value, p);
          onChange?.([...merged.values()]);
        }}
      />
    </Space>
  );
}
