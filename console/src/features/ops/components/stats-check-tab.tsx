import { CheckCircleOutlined, ToolOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Popconfirm, Space, Table, Typography, type TableColumnsType } from 'antd';
import { errorMessage } from '@/lib/api/errors';
import { describeCounter, describeField, useStatsCheck, type CounterDifference } from '../api/stats-check';

const columns: TableColumnsType<CounterDifference> = [
  { title: '统计项', key: 'counter', render: (_, d) => describeCounter(d.pk, d.sk) },
  { title: '指标', dataIndex: 'field', width: 220, render: (f: string) => describeField(f) },
  { title: '按记录计算', dataIndex: 'expected', width: 120, align: 'right' },
  { title: '当前统计', dataIndex: 'actual', width: 120, align: 'right' },
];

/** 统计校验: recompute every statistic from the records, compare, and correct on request. */
export function StatsCheckTab() {
  const check = useStatsCheck();
  const report = check.data;
  const run = (apply: boolean) => check.mutate({ body: { apply } });

  return (
    <Card
      title="统计校验"
      extra={
        <Space>
          <Button icon={<CheckCircleOutlined />} loading={check.isPending && !check.variables?.body.apply} onClick={() => run(false)}>
            校验
          </Button>
          <Popconfirm
            title="按原始记录修正统计？"
            description="不一致的统计项将改为按记录重新计算的值。"
            okText="修正"
            cancelText="取消"
            onConfirm={() => run(true)}
          >
            <Button icon={<ToolOutlined />} loading={check.isPending && check.variables?.body.apply}>
              校验并修正
            </Button>
          </Popconfirm>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
        渠道统计、「联系我」的添加客户数、群发漏斗和链接点击都随每次写入实时累计，报表直接读取这些累计值。校验会按全部原始记录重新计算一遍并逐项比较；客户很多时需要一些时间，建议在业务空闲时进行。
      </Typography.Paragraph>
      {check.isError && (
        <Alert type="error" showIcon role="alert" message={`校验失败：${errorMessage(check.error)}`} />
      )}
      {report && (
        <Flex vertical gap={12} data-testid="stats-check-result">
          {report.differences.length === 0 ? (
            <Alert
              type="success"
              showIcon
              role="status"
              message={`全部一致：共 ${report.counters} 项统计，核对了 ${report.records} 条记录。`}
            />
          ) : (
            <Alert
              type={report.corrected > 0 ? 'info' : 'warning'}
              showIcon
              role="status"
              message={
                report.corrected > 0
                  ? `发现 ${report.differences.length} 处不一致，已修正 ${report.corrected} 项统计。`
                  : `发现 ${report.differences.length} 处不一致（共 ${report.counters} 项统计，核对了 ${report.records} 条记录）。可点击「校验并修正」按记录修正。`
              }
            />
          )}
          {report.differences.length > 0 && (
            <Table<CounterDifference>
              rowKey={(d) => `${d.pk}/${d.sk}/${d.field}`}
              size="small"
              columns={columns}
              dataSource={report.differences}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
            />
          )}
        </Flex>
      )}
    </Card>
  );
}
