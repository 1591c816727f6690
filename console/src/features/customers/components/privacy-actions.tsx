import { DeleteOutlined, DownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { useEraseCustomer, useExportCustomer } from '../api/privacy';

const REASON_MAX = 500;

interface Props {
  externalUserid: string;
  name: string;
  /** After the erasure: the customer no longer exists. */
  onErased: () => void;
}

/** 导出个人信息 (a JSON file of everything held) and 删除个人信息 (cannot be undone). */
export function PrivacyActions({ externalUserid, name, onErased }: Props) {
  const { message } = App.useApp();
  const exporting = useExportCustomer(externalUserid);
  const erase = useEraseCustomer(externalUserid);
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const trimmed = reason.trim();

  return (
    <>
      <Space wrap>
        <Button
          icon={<DownloadOutlined />}
          loading={exporting.isPending}
          onClick={() =>
            exporting.mutate(undefined, {
              onSuccess: () => void message.success('个人信息已导出'),
              onError: (e) => void message.error({ content: `导出失败：${errorMessage(e)}`, duration: 8 }),
            })
          }
        >
          导出个人信息
        </Button>
        <Button danger icon={<DeleteOutlined />} onClick={() => setConfirming(true)}>
          删除个人信息
        </Button>
      </Space>
      <Modal
        open={confirming}
        title={`删除「${name}」的个人信息`}
        okText="确认删除"
        okButtonProps={{ danger: true, disabled: !trimmed, loading: erase.isPending }}
        cancelText="取消"
        destroyOnHidden
        onCancel={() => {
          setConfirming(false);
          setReason('');
        }}
        onOk={() =>
          erase.mutate(trimmed, {
            onSuccess: () => {
              setConfirming(false);
              setReason('');
              void message.success('已删除该客户的个人信息');
              onErased();
            },
            onError: (e) => void message.error({ content: `删除失败：${errorMessage(e)}`, duration: 8 }),
          })
        }
      >
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          message="删除后无法恢复"
          description="将删除该客户的资料、跟进关系、备注、动态、预约、消费、授权记录、消息记录、点击记录和企业微信事件中的个人信息；统计数字保留但不再关联到该客户。之后的同步和企业微信事件都不会再创建该客户，群发也不会再发给该客户。"
        />
        <Typography.Paragraph style={{ marginBottom: 8 }}>请填写删除原因（将记入操作审计，请勿填写客户姓名、手机号等个人信息）：</Typography.Paragraph>
        <Input.TextArea
          aria-label="删除原因"
          value={reason}
          maxLength={REASON_MAX}
          showCount
          autoSize={{ minRows: 2, maxRows: 5 }}
          placeholder="例如：客户本人申请删除"
          onChange={(e) => setReason(e.target.value)}
        />
      </Modal>
    </>
  );
}
