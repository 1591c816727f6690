import { ReloadOutlined, UploadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Space, Typography } from 'antd';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { EmptyState } from '@/components/empty-state';
import { ExportButton } from '@/components/export-button';
import { PageContainer } from '@/components/page-container';
import { QueryError } from '@/components/query-error';
import { useAccess } from '@/lib/access';
import { useChannels, useCustomerList } from '../api/customers';
import { exportPath } from '../api/import-export';
import {
  CUSTOMER_PARAM,
  activeFilterCount,
  filtersFromSearchParams,
  filtersToSearchParams,
  type CustomerFilters,
} from '../api/filters';
import { CustomerDrawer } from './customer-drawer';
import { CustomerFilterBar } from './customer-filters';
import { CustomersTable } from './customers-table';
import { ImportDrawer } from './import-drawer';

/** 客户: the filtered customer list (filters in the URL) and one customer's drawer. */
export function CustomersPage() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const filters = useMemo(() => filtersFromSearchParams(params), [params]);
  const openId = params.get(CUSTOMER_PARAM);
  const list = useCustomerList(filters);
  const channels = useChannels();
  const access = useAccess();
  const [importing, setImporting] = useState(false);

  const setFilters = useCallback(
    (next: CustomerFilters) => {
      const base = new URLSearchParams(params);
      base.delete(CUSTOMER_PARAM);
      setParams(filtersToSearchParams(next, base));
    },
    [params, setParams],
  );
  const openCustomer = (externalUserid: string) => {
    const next = new URLSearchParams(params);
    next.set(CUSTOMER_PARAM, externalUserid);
    setParams(next);
  };
  const closeCustomer = () => {
    const next = new URLSearchParams(params);
    next.delete(CUSTOMER_PARAM);
    setParams(next, { replace: true });
  };

  const pages = list.data?.pages ?? [];
  const customers = pages.flatMap((page) => page.items);
  const last = pages.at(-1);
  const filtered = activeFilterCount(filters) > 0;

  const empty = filtered ? (
    <EmptyState
      description={last?.budget_exhausted ? '已查找的客户中没有符合条件的，可以继续查找更早添加的客户' : '没有符合筛选条件的客户'}
      action={<Button onClick={() => setFilters({})}>清除筛选</Button>}
    />
  ) : (
    <EmptyState
      description="还没有客户。客户扫描「联系我」二维码添加成员后，会自动出现在这里。"
      action={
        <Button type="primary" onClick={() => void navigate('/dashboard/wework/contact-ways')}>
          创建「联系我」
        </Button>
      }
    />
  );

  const footer = pages.length > 0 && (
    <Flex justify="space-between" align="center" wrap gap={8}>
      <Typography.Text role="status">
        已显示 {customers.length} 位客户{list.hasNextPage ? '，还有更多' : customers.length > 0 ? '，已全部显示' : ''}
      </Typography.Text>
      {list.hasNextPage && (
        <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
          {last?.budget_exhausted ? '继续查找' : '加载更多'}
        </Button>
      )}
    </Flex>
  );

  return (
    <PageContainer
      title="客户"
      description="通过「联系我」添加的企业微信客户：来源渠道、跟进人、标签，以及诊所维护的客户分层、心理类型、预约与消费。"
      extra={
        <Space wrap>
          {access.can('manager') && (
            <Button icon={<UploadOutlined />} onClick={() => setImporting(true)}>
              导入
            </Button>
          )}
          <ExportButton path={(format) => exportPath(filters, format)} fallbackName="customers" />
          <Button icon={<ReloadOutlined />} onClick={() => void list.refetch()} loading={list.isRefetching && !list.isFetchingNextPage}>
            刷新
          </Button>
        </Space>
      }
    >
      <Card style={{ marginBottom: 16 }} styles={{ body: { paddingBottom: 0 } }}>
        <CustomerFilterBar filters={filters} channels={channels.data} onChange={setFilters} />
      </Card>
      {list.isError && <QueryError error={list.error} onRetry={() => void list.refetch()} />}
      {last?.budget_exhausted && customers.length > 0 && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 12 }}
          message="本页只查找了部分客户"
          description="符合条件的客户较少，本次查找到一定数量后先返回了结果。点击列表下方的「继续查找」查看更多。"
        />
      )}
      <CustomersTable
        customers={customers}
        channels={channels.data}
        loading={list.isPending || (list.isFetching && !list.isFetchingNextPage && customers.length === 0)}
        onOpen={openCustomer}
        empty={list.isPending ? ' ' : empty}
        footer={footer}
      />
      <CustomerDrawer externalUserid={openId} channels={channels.data} onClose={closeCustomer} />
      <ImportDrawer open={importing} onClose={() => setImporting(false)} />
    </PageContainer>
  );
}
