import { InputNumber, Select, Space } from 'antd';
import type { DurationUnit, DurationValue } from '../api/form';

interface Props {
  id?: string;
  value?: DurationValue;
  onChange?: (value: DurationValue) => void;
  'aria-label'?: string;
  status?: '' | 'error';
}

/** A validity as a number of hours or days (WeCom takes seconds, at most 14 days). */
export function DurationInput({ id, value, onChange, status, ...rest }: Props) {
  const current: DurationValue = value ?? { amount: null, unit: 'day' };
  return (
    <Space.Compact>
      <InputNumber
        id={id}
        aria-label={rest['aria-label']}
        precision={0}
        status={status}
        value={current.amount}
        onChange={(amount) => onChange?.({ ...current, amount: typeof amount === 'number' ? amount : null })}
        style={{ width: 120 }}
      />
      <Select<DurationUnit>
        aria-label={`${rest['aria-label'] ?? '有效期'}的单位`}
        value={current.unit}
        onChange={(unit) => onChange?.({ ...current, unit })}
        options={[
          { value: 'hour', label: '小时' },
          { value: 'day', label: '天' },
        ]}
        style={{ width: 88 }}
      />
    </Space.Compact>
  );
}
