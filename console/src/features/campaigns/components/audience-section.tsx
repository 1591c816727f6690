import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Checkbox, Col, DatePicker, Flex, Form, Input, InputNumber, Radio, Row, Select, Typography } from 'antd';
import type { ReactNode } from 'react';
import { StaffSelect } from '@/components/staff-select';
import { TIERS } from '@/lib/labels';
import { audienceProblem, MAX_BATCH, type AudienceValues } from '../api/audience';
import { CustomerBatchField, CustomerSearchSelect } from './customer-picker';

export interface Option {
  value: string;
  label: string;
}

export interface TagOptionGroup {
  label: string;
  title: string;
  options: Option[];
}

interface Props {
  channels: Option[];
  tags: TagOptionGroup[];
  /** The dry run's button and result. */
  dryRun: ReactNode;
}

const MODES = [
  { value: 'one', label: '单个客户' },
  { value: 'batch', label: '批量选择' },
  { value: 'filter', label: '按条件筛选' },
  { value: 'tags', label: '按企业标签' },
];

const MONTHS = Array.from({ length: 12 }, (_, i) => ({ value: i + 1, label: `${i + 1} 月` }));

/** 目标客户: one customer, a hand-picked batch, the customer filters, or corp tags. */
export function AudienceSection({ channels, tags, dryRun }: Props) {
  const form = Form.useFormInstance();
  const mode = (Form.useWatch(['audience', 'mode'], form) as AudienceValues['mode'] | undefined) ?? 'filter';
  const problemRule = {
    validator: () => {
      const problem = audienceProblem(form.getFieldValue('audience') as AudienceValues);
      return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
    },
  };

  return (
    <>
      <Form.Item label="选择方式" name={['audience', 'mode']}>
        <Radio.Group optionType="button" buttonStyle="solid" options={MODES} aria-label="目标客户的选择方式" />
      </Form.Item>

      {mode === 'one' && (
        <Form.Item label="客户" name={['audience', 'one']} rules={[problemRule]} extra="向一位客户单独推送（由其跟进成员确认发送）。">
          <CustomerSearchSelect aria-label="客户" />
        </Form.Item>
      )}

      {mode === 'batch' && (
        <Form.Item label="客户" name={['audience', 'batch']} rules={[problemRule]}>
          <CustomerBatchField channels={channels} max={MAX_BATCH} />
        </Form.Item>
      )}

      {mode === 'filter' && (
        <>
          <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
            条件在发送时生效：发送时符合全部条件的客户会收到消息。不选的条件不限。
          </Typography.Paragraph>
          <Row gutter={16}>
            <Col xs={24} md={8}>
              <Form.Item label="性别" name={['audience', 'filter', 'gender']}>
                <Select
                  allowClear
                  placeholder="不限"
                  options={[
                    { value: 2, label: '女' },
                    { value: 1, label: '男' },
                    { value: 0, label: '未知' },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="客户分层" name={['audience', 'filter', 'tiers']} extra="不选表示不限">
                <Checkbox.Group options={TIERS.map((t) => ({ value: t, label: `${t} 级` }))} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                label="未消费天数"
                name={['audience', 'filter', 'no_purchase_days']}
                rules={[{ type: 'integer', min: 1, max: 3650, message: '请输入 1 到 3650 之间的整数' }]}
                extra="从未消费的客户也符合"
              >
                <InputNumber min={1} max={3650} precision={0} suffix="天内未消费" placeholder="不限" style={{ width: '100%' }} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="来源渠道" name={['audience', 'filter', 'state']}>
                <Select allowClear showSearch optionFilterProp="label" placeholder="不限" options={channels} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="企业标签" name={['audience', 'filter', 'tag_id']}>
                <Select allowClear showSearch optionFilterProp="label" placeholder="不限" options={tags} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="跟进成员" name={['audience', 'filter', 'userid']}>
                <StaffSelect includeFormer placeholder="不限" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item
                label="心理类型"
                name={['audience', 'filter', 'psych_type']}
                rules={[{ max: 30, message: '心理类型不超过 30 个字' }]}
              >
                <Input allowClear placeholder="不限" />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="生日月份" name={['audience', 'filter', 'birthday_month']}>
                <Select allowClear placeholder="不限" options={MONTHS} />
              </Form.Item>
            </Col>
            <Col xs={24} md={8}>
              <Form.Item label="添加时间（北京时间）" name={['audience', 'filter', 'added']}>
                <DatePicker.RangePicker allowEmpty={[true, true]} style={{ width: '100%' }} placeholder={['开始日期', '结束日期']} />
              </Form.Item>
            </Col>
          </Row>
        </>
      )}

      {mode === 'tags' && (
        <Form.List name={['audience', 'tag_groups']}>
          {(fields, { add, remove }) => (
            <>
              <Typography.Paragraph type="secondary" style={{ marginTop: -8 }}>
                同一组内满足任一标签，各组之间需同时满足（与企业微信群发的标签筛选规则相同）。
              </Typography.Paragraph>
              {fields.map((field, index) => (
                <Flex key={field.key} gap={8} align="flex-start">
                  <Form.Item
                    label={index === 0 ? '标签（满足任一）' : `且 标签（满足任一）`}
                    name={field.name}
                    style={{ flex: 1 }}
                    rules={index === 0 ? [problemRule] : []}
                  >
                    <Select mode="multiple" allowClear showSearch optionFilterProp="label" placeholder="选择企业标签" options={tags} />
                  </Form.Item>
                  {fields.length > 1 && (
                    <Button
                      type="text"
                      danger
                      icon={<DeleteOutlined />}
                      aria-label={`删除第 ${index + 1} 组标签条件`}
                      style={{ marginTop: 30 }}
                      onClick={() => remove(field.name)}
                    />
                  )}
                </Flex>
              ))}
              <Button
                type="dashed"
                icon={<PlusOutlined />}
                disabled={fields.length >= 20}
                onClick={() => add([])}
                style={{ marginBottom: 16 }}
              >
                添加一组条件（且）
              </Button>
            </>
          )}
        </Form.List>
      )}

      {dryRun}
    </>
  );
}
