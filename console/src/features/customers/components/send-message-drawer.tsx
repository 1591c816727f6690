import { SendOutlined } from '@ant-design/icons';
import { Alert, Button, Drawer, Form, Result, Select, Space, type FormInstance } from 'antd';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import {
  MessageComposer,
  contentErrorPath,
  emptyContent,
  toContent,
  validateContent,
  type ContentDraft,
} from '@/components/message-composer';
import { useStaffLabel } from '@/components/staff-select';
import type { Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import { consentBlocks, inQuietHours } from '../api/crm-fields';
import { displayName, type CustomerDetail } from '../api/customer-view';
import { useSendMessage, useSendRules } from '../api/customers';

interface Props {
  customer: CustomerDetail;
  open: boolean;
  onClose: () => void;
}

interface Values {
  sender: string;
  content: ContentDraft;
}

type Campaign = Schemas['CampaignView'];

/** The consultants who can send: active relationships, the one who acquired the customer first. */
function senders(customer: CustomerDetail): string[] {
  return customer.follow_users
    .filter((r) => r.status === 'active')
    .sort((a, b) => a.createtime - b.createtime)
    .map((r) => r.userid);
}

/**
 * 发送消息: a message to this customer now. WeCom delivers it as a group-send task of the chosen
 * consultant, who confirms it in the WeCom client; the preview shows what the customer will see.
 */
export function SendMessageDrawer({ customer, open, onClose }: Props) {
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const staffLabel = useStaffLabel();
  const rules = useSendRules();
  const send = useSendMessage(customer.external_userid);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<{ campaign: Campaign; sender: string } | null>(null);
  const candidates = useMemo(() => senders(customer), [customer]);
  const sender = (Form.useWatch('sender', form) as string | undefined) ?? candidates[0];
  const name = displayName(customer);
  const blocked = rules.data && consentBlocks(rules.data.consent ?? 'opt_in', customer.crm.marketing_consent);
  const [openedAt] = useState(() => Date.now());
  const quiet = rules.data && inQuietHours(openedAt, rules.data.quiet_start, rules.data.quiet_end) ? rules.data : null;

  const submit = async () => {
    setError(null);
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    // The whole content (fields of attachments not on screen are not in `values`).
    const draft = form.getFieldValue('content') as ContentDraft;
    const problems = validateContent(draft, { placeholders: ['name'] });
    if (problems.length > 0) {
      (form as FormInstance).setFields(problems.map((p) => ({ name: ['content', ...p.path], errors: [p.message] })));
      return;
    }
    send.mutate(
      {
        body: {
          external_userids: [customer.external_userid],
          content: toContent(draft),
          sender_policy: { type: 'fixed', userid: values.sender },
        },
      },
      {
        onSuccess: (campaign) => setSent({ campaign, sender: values.sender }),
        onError: (e) => {
          const mapped = applyFieldError(form, e, (field) => {
            if (field.startsWith('content')) return contentErrorPath(field, draft);
            if (field.startsWith('sender_policy')) return ['sender'];
            return null;
          });
          if (!mapped) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={Math.min(1000, window.innerWidth)}
      title={`发送消息给 ${name}`}
      destroyOnHidden
      afterOpenChange={(visible) => {
        if (!visible) {
          setSent(null);
          setError(null);
          send.reset();
        }
      }}
      footer={
        !sent && (
          <Space style={{ float: 'right' }}>
            <Button onClick={onClose}>取消</Button>
            <Button type="primary" icon={<SendOutlined />} loading={send.isPending} onClick={() => void submit()}>
              发送
            </Button>
          </Space>
        )
      }
    >
      {sent ? (
        <Result
          status="success"
          title="已创建发送任务"
          subTitle={
            quiet || sent.campaign.status === 'deferred'
              ? `现在是免打扰时段，任务会在 ${quiet?.quiet_end ?? '免打扰时段结束'} 后创建，届时等待 ${staffLabel(sent.sender)} 在企业微信中确认发送。发送结果会显示在客户的「消息记录」中。`
              : `等待 ${staffLabel(sent.sender)} 在企业微信中确认发送。发送结果会显示在客户的「消息记录」中。`
          }
          extra={[
            <Button type="primary" key="done" onClick={onClose}>
              完成
            </Button>,
            <Button key="view" onClick={() => void navigate(`/dashboard/wework/messages/${encodeURIComponent(sent.campaign.id)}`)}>
              查看发送任务
            </Button>,
          ]}
        />
      ) : (
        <Form<Values>
          form={form}
          layout="vertical"
          initialValues={{ sender: candidates[0], content: emptyContent() }}
          aria-label="编辑消息"
        >
          {error && <Alert type="error" showIcon role="alert" message={error} style={{ marginBottom: 16 }} />}
          {quiet && (
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 16 }}
              message={`现在是免打扰时段（${quiet.quiet_start}–${quiet.quiet_end}，北京时间）`}
              description={`消息不会丢弃：发送后会在 ${quiet.quiet_end} 之后创建任务，再由成员在企业微信中确认发送。`}
            />
          )}
          {blocked && (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 16 }}
              message="该客户未获营销授权，发送时会被跳过"
              description={
                rules.data?.consent === 'opt_out'
                  ? '客户的营销授权为「未授权」。如客户已同意接收，请先在「资料」中修改营销授权。'
                  : '推送规则设置为仅向「已授权」的客户推送。如客户已同意接收，请先在「资料」中修改营销授权。'
              }
            />
          )}
          <Form.Item
            label="发送成员"
            name="sender"
            rules={[{ required: true, message: '请选择发送成员' }]}
            extra="消息由该成员在企业微信中确认后发出，客户看到的是与该成员的聊天。"
          >
            <Select
              style={{ maxWidth: 320 }}
              options={candidates.map((userid) => ({
                value: userid,
                label: staffLabel(userid) === userid ? userid : `${staffLabel(userid)}（${userid}）`,
              }))}
            />
          </Form.Item>
          <MessageComposer
            name="content"
            placeholders={['name']}
            senderName={sender ? staffLabel(sender) : undefined}
            customerName={name}
            help="{name} 会替换为客户昵称。"
          />
        </Form>
      )}
    </Drawer>
  );
}
