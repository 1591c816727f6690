import { Alert, DatePicker, Form, Radio, Space, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { beijing, dayjs } from '@/lib/format';
import { useNow } from '../api/use-now';
import { checkSchedule, defaultSendTime, type QuietHours, type SendMode } from '../api/schedule';

/** 发送时间: now or a Beijing time, with the quiet-hours warning. */
export function ScheduleSection({ quiet }: { quiet: QuietHours | null }) {
  const form = Form.useFormInstance();
  const mode = (Form.useWatch('send_mode', form) as SendMode | undefined) ?? 'now';
  const picked = Form.useWatch('send_at', form) as Dayjs | null | undefined;
  const now = useNow();
  const check = checkSchedule(mode, picked, quiet, now);
  const today = beijing(now).format('YYYY-MM-DD');

  return (
    <>
      <Form.Item label="发送方式" name="send_mode">
        <Radio.Group
          optionType="button"
          buttonStyle="solid"
          aria-label="发送方式"
          options={[
            { value: 'now', label: '立即发送' },
            { value: 'later', label: '定时发送' },
          ]}
          onChange={(e) => {
            if (e.target.value === 'later' && !form.getFieldValue('send_at')) form.setFieldValue('send_at', defaultSendTime(now));
          }}
        />
      </Form.Item>
      {mode === 'later' && (
        <Form.Item
          label="发送时间（北京时间）"
          name="send_at"
          rules={[
            {
              validator: (_, value: Dayjs | null | undefined) => {
                const result = checkSchedule('later', value, null, Date.now());
                return result.level === 'error' ? Promise.reject(new Error(result.message)) : Promise.resolve();
              },
            },
          ]}
        >
          <DatePicker
            showTime={{ format: 'HH:mm', minuteStep: 5 }}
            format="YYYY-MM-DD HH:mm"
            placeholder="选择日期和时间"
            disabledDate={(d) => d.format('YYYY-MM-DD') < today || d.isAfter(dayjs(today).add(365, 'day'))}
            style={{ width: 240 }}
          />
        </Form.Item>
      )}
      {check.level === 'warning' && (
        <Alert type="warning" showIcon message="免打扰时段" description={check.message} style={{ marginBottom: 16 }} role="status" />
      )}
      {check.level === 'ok' && (
        <Typography.Paragraph type="secondary" role="status">
          {check.message}
        </Typography.Paragraph>
      )}
      <Space direction="vertical" size={2}>
        <Typography.Text type="secondary">
          {quiet ? `免打扰时段：${quiet.start}–${quiet.end}（北京时间），可在「企业微信配置 → 推送规则」修改。` : '未设置免打扰时段。'}
        </Typography.Text>
        <Typography.Text type="secondary">
          企业微信的群发需要跟进成员在企业微信中确认后才会发出；成员未及时确认时，系统会按推送规则提醒。
        </Typography.Text>
      </Space>
    </>
  );
}
