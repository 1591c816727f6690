import { Alert, Button, Drawer, Form, Input, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useStaffLabel } from '@/components/staff-select';
import { errorMessage } from '@/lib/api/errors';
import { applyFieldError } from '@/lib/form-errors';
import type { RelationshipView } from '../api/customer-view';
import {
  DESCRIPTION_MAX,
  REMARK_MAX,
  REMARK_MOBILES_MAX,
  remarkMobilesProblem,
  useEditRemark,
} from '../api/remark';

interface Props {
  externalUserid: string;
  relationship: RelationshipView;
  open: boolean;
  onClose: () => void;
}

interface Values {
  remark: string;
  description: string;
  remark_mobiles: string[];
}

/**
 * 修改备注: the remark, description and remark phones the consultant keeps for this customer in
 * WeCom (`externalcontact/remark`). WeCom sends no notice of API changes, so the CRM stores
 * what it sent as soon as WeCom accepts it.
 */
export function RemarkDrawer({ externalUserid, relationship, open, onClose }: Props) {
  const [form] = Form.useForm<Values>();
  const staffLabel = useStaffLabel();
  const edit = useEditRemark(externalUserid);
  const [error, setError] = useState<string | null>(null);

  const close = () => {
    setError(null);
    edit.reset();
    onClose();
  };

  const submit = (values: Values) => {
    setError(null);
    edit.mutate(
      {
        params: { path: { external_userid: externalUserid, userid: relationship.userid } },
        body: {
          remark: values.remark.trim(),
          description: values.description.trim(),
          remark_mobiles: values.remark_mobiles.map((p) => p.trim()).filter(Boolean),
        },
      },
      {
        onSuccess: close,
        onError: (e) => {
          if (!applyFieldError(form, e)) setError(errorMessage(e));
        },
      },
    );
  };

  return (
    <Drawer
      title={`修改备注 · ${staffLabel(relationship.userid)}`}
      open={open}
      onClose={close}
      width={480}
      destroyOnHidden
      extra={
        <Space>
          <Button onClick={close} disabled={edit.isPending}>
            取消
          </Button>
          <Button type="primary" loading={edit.isPending} onClick={() => form.submit()}>
            保存到企业微信
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">
        修改会同步到企业微信，跟进成员在企业微信里看到的备注、描述和手机号随之改变。
      </Typography.Paragraph>
      <Form
        form={form}
        layout="vertical"
        onFinish={submit}
        validateTrigger="onChange"
        requiredMark={false}
        initialValues={{
          remark: relationship.remark,
          description: relationship.description,
          remark_mobiles: relationship.remark_mobiles,
        }}
      >
        <Form.Item
          name="remark"
          label="备注名"
          rules={[{ max: REMARK_MAX, message: `备注名最多 ${REMARK_MAX} 个字` }]}
        >
          <Input placeholder="例如：王女士-水光针" count={{ show: true, max: REMARK_MAX }} />
        </Form.Item>
        <Form.Item
          name="description"
          label="描述"
          rules={[{ max: DESCRIPTION_MAX, message: `描述最多 ${DESCRIPTION_MAX} 个字` }]}
        >
          <Input.TextArea rows={4} count={{ show: true, max: DESCRIPTION_MAX }} placeholder="客户的需求、偏好等" />
        </Form.Item>
        <Form.Item
          name="remark_mobiles"
          label="备注手机号"
          extra={`输入后按回车添加，最多 ${REMARK_MOBILES_MAX} 个；清空即删除企业微信中的备注手机号`}
          rules={[
            {
              validator: (_, value: string[] | undefined) => {
                const problem = remarkMobilesProblem(value ?? []);
                return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
              },
            },
          ]}
        >
          <Select mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', '，', ' ']} placeholder="例如：13800138000" />
        </Form.Item>
      </Form>
      {error && <Alert type="error" showIcon role="alert" message={error} />}
    </Drawer>
  );
}
