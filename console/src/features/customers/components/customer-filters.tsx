import { DownOutlined, SearchOutlined, UpOutlined } from '@ant-design/icons';
import { Button, Col, Form, Input, InputNumber, Row, Select, Space } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { MONTH_OPTIONS, GENDER_OPTIONS, SORT_OPTIONS, STATUS_OPTIONS, type ChannelView } from '../api/customer-view';
import { normalise, type CustomerFilters } from '../api/filters';
import { useTagCatalogue } from '../api/customers';
import { StaffSelect } from '@/components/staff-select';
import { useAccess } from '@/lib/access';
import { LEAD_STAGES } from '@/lib/labels';

interface Props {
  filters: CustomerFilters;
  channels: Record<string, ChannelView> | undefined;
  onChange: (filters: CustomerFilters) => void;
}

/** Fields under 「展开」 (the first row is always visible). */
const MORE: (keyof CustomerFilters)[] = ['gender', 'psych_type', 'tag_id', 'birthday_month', 'no_purchase_days', 'status'];
/** Choices apply at once; typed fields on Enter or 查询. */
const APPLY_AT_ONCE: (keyof CustomerFilters)[] = ['state', 'userid', 'tier', 'stage', 'gender', 'tag_id', 'birthday_month', 'status', 'sort'];

type FormValues = Omit<CustomerFilters, 'sort'> & { sort: NonNullable<CustomerFilters['sort']> | 'added_desc' };

function toForm(filters: CustomerFilters): FormValues {
  return { ...filters, sort: filters.sort ?? 'added_desc' };
}

function fromForm(values: FormValues): CustomerFilters {
  const { sort, ...rest } = values;
  return normalise({ ...rest, sort: sort === 'added_desc' ? undefined : sort });
}

/** The filter bar over the customer list (Ant Design Pro's query filter). */
export function CustomerFilterBar({ filters, channels, onChange }: Props) {
  const canChooseStaff = useAccess().can('manager');
  const [form] = Form.useForm<FormValues>();
  const tags = useTagCatalogue();
  const hiddenSet = MORE.some((key) => filters[key] !== undefined);
  // Open by itself while a filter under 「更多筛选」 is set, until the user says otherwise.
  const [userExpanded, setExpanded] = useState<boolean | null>(null);
  const expanded = userExpanded ?? hiddenSet;

  // The URL decides (back/forward, a shared link): the form follows it.
  useEffect(() => {
    form.resetFields();
    form.setFieldsValue(toForm(filters));
  }, [filters, form]);

  const channelOptions = useMemo(() => {
    const options = Object.entries(channels ?? {}).map(([state, channel]) => ({
      value: state,
      label: `${channel.label}（${state}）`,
    }));
    if (filters.state && !channels?.[filters.state]) options.push({ value: filters.state, label: filters.state });
    return options;
  }, [channels, filters.state]);

  const tagOptions = useMemo(
    () =>
      (tags.data?.tag_group ?? []).map((group) => ({
        label: group.group_name,
        title: group.group_name,
        options: group.tag.map((tag) => ({ value: tag.id, label: tag.name })),
      })),
    [tags.data],
  );

  const submit = (values: FormValues) => onChange(fromForm(values));

  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={toForm(filters)}
      onFinish={submit}
      onValuesChange={(changed: Partial<FormValues>) => {
        if (Object.keys(changed).some((key) => APPLY_AT_ONCE.includes(key as keyof CustomerFilters))) form.submit();
      }}
      className="customer-filters"
      aria-label="筛选客户"
      role="search"
    >
      <Row gutter={[16, 0]}>
        <Col xs={24} sm={12} lg={8} xl={6}>
          <Form.Item label="关键词" name="q">
            <Input allowClear placeholder="客户昵称或备注，回车查询" prefix={<SearchOutlined aria-hidden />} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} lg={8} xl={6}>
          <Form.Item label="渠道" name="state">
            <Select allowClear showSearch optionFilterProp="label" placeholder="全部渠道" options={channelOptions} />
          </Form.Item>
        </Col>
        {/* A consultant's list is their own customers: no follow-user to choose. */}
        {canChooseStaff && (
          <Col xs={24} sm={12} lg={8} xl={6}>
            <Form.Item label="跟进人" name="userid">
              <StaffSelect includeFormer placeholder="全部跟进人" />
            </Form.Item>
          </Col>
        )}
        <Col xs={24} sm={12} lg={8} xl={6}>
          <Form.Item label="客户分层" name="tier">
            <Select
              allowClear
              placeholder="全部"
              options={[
                { value: 'A', label: 'A 级' },
                { value: 'B', label: 'B 级' },
                { value: 'C', label: 'C 级' },
              ]}
            />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} lg={8} xl={6}>
          <Form.Item label="客户阶段" name="stage">
            <Select
              allowClear
              placeholder="全部阶段"
              options={LEAD_STAGES.map((s) => ({ value: s.value, label: s.label }))}
            />
          </Form.Item>
        </Col>
        {expanded && (
          <>
            <Col xs={24} sm={12} lg={8} xl={6}>
              <Form.Item label="性别" name="gender">
                <Select allowClear placeholder="全部" options={GENDER_OPTIONS} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} lg={8} xl={6}>
              <Form.Item label="心理类型" name="psych_type" rules={[{ max: 30, message: '心理类型不超过 30 个字' }]}>
                <Input allowClear placeholder="完整名称，回车查询" />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} lg={8} xl={6}>
              <Form.Item label="企业标签" name="tag_id">
                <Select
                  allowClear
                  showSearch
                  optionFilterProp="label"
                  placeholder={tags.isPending ? '加载中…' : '全部标签'}
                  loading={tags.isPending}
                  options={tagOptions}
                  notFoundContent={tags.isError ? '标签加载失败' : '没有标签'}
                />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} lg={8} xl={6}>
              <Form.Item label="生日月份" name="birthday_month">
                <Select allowClear placeholder="全部" options={MONTH_OPTIONS} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} lg={8} xl={6}>
              <Form.Item
                label="未消费天数"
                name="no_purchase_days"
                tooltip="最近 N 天内没有消费（从未消费的客户也算）"
                rules={[{ type: 'integer', min: 1, max: 3650, message: '请输入 1 到 3650 之间的整数' }]}
              >
                <InputNumber min={1} max={3650} precision={0} addonAfter="天以上" placeholder="如 30" style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={24} sm={12} lg={8} xl={6}>
              <Form.Item label="状态" name="status">
                <Select allowClear placeholder="全部" options={STATUS_OPTIONS} />
              </Form.Item>
            </Col>
          </>
        )}
        <Col xs={24} sm={12} lg={8} xl={6}>
          <Form.Item label="排序" name="sort">
            <Select options={SORT_OPTIONS} />
          </Form.Item>
        </Col>
        <Col xs={24} sm={12} lg={8} xl={expanded ? 24 : 18} style={{ display: 'flex', alignItems: 'flex-end' }}>
          <Form.Item label={null} style={{ marginLeft: 'auto' }}>
            <Space wrap>
              <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
                查询
              </Button>
              <Button onClick={() => onChange({})}>重置</Button>
              <Button
                type="link"
                onClick={() => setExpanded(!expanded)}
                aria-expanded={expanded}
                icon={expanded ? <UpOutlined /> : <DownOutlined />}
                iconPosition="end"
              >
                {expanded ? '收起' : '更多筛选'}
              </Button>
            </Space>
          </Form.Item>
        </Col>
      </Row>
    </Form>
  );
}
