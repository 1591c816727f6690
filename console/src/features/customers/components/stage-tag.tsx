import { App, Select, Tag } from 'antd';
import { errorMessage } from '@/lib/api/errors';
import { LEAD_STAGES, leadStage, type LeadStageValue } from '@/lib/labels';
import { useSetStage } from '../api/stage';

/** The customer's lead stage as a chip (新线索 … 复购). */
export function StageTag({ stage }: { stage: string | null | undefined }) {
  const s = leadStage(stage);
  return (
    <Tag color={s.color} data-stage={s.value}>
      {s.label}
    </Tag>
  );
}

/** 客户阶段 in the drawer: staff may set any stage (events only move it forward). */
export function StageSelect({ externalUserid, stage }: { externalUserid: string; stage: string }) {
  const { message } = App.useApp();
  const setStage = useSetStage(externalUserid);
  return (
    <Select<LeadStageValue>
      aria-label="客户阶段"
      size="small"
      value={leadStage(stage).value as LeadStageValue}
      loading={setStage.isPending}
      disabled={setStage.isPending}
      style={{ width: 110 }}
      options={LEAD_STAGES.map((s) => ({ value: s.value, label: <Tag color={s.color}>{s.label}</Tag> }))}
      onChange={(next) =>
        setStage.mutate(
          { params: { path: { external_userid: externalUserid } }, body: { stage: next } },
          {
            onSuccess: () => void message.success(`客户阶段已改为「${leadStage(next).label}」`),
            onError: (e) => void message.error({ content: `修改失败：${errorMessage(e)}`, duration: 8 }),
          },
        )
      }
    />
  );
}
