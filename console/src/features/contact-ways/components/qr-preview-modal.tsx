import { DownloadOutlined } from '@ant-design/icons';
import { Button, Descriptions, Flex, Modal, Typography } from 'antd';
import { AuthedImage } from '@/components/authed-image';
import { useStaffLabel } from '@/components/staff-select';
import { formatTime } from '@/lib/format';
import { CONTACT_WAY_SCENE, CONTACT_WAY_TYPE } from '@/lib/labels';
import { qrPath, type ChannelView, type ContactWayView } from '../api/contact-ways';
import { formatDuration } from '../api/form';
import { useQrDownload } from '../api/qr';

/** The QR code of a 「联系我」 with its settings, and its PNG download. */
export function QrPreviewModal({
  way,
  channels,
  onClose,
}: {
  way: ContactWayView | null;
  channels: Record<string, ChannelView> | undefined;
  onClose: () => void;
}) {
  const { download, downloading } = useQrDownload();
  const staffLabel = useStaffLabel();
  const detail = way?.contact_way;
  const channel = detail?.state ? channels?.[detail.state] : undefined;

  return (
    <Modal
      title="预览二维码"
      open={way !== null}
      onCancel={onClose}
      width={Math.min(560, window.innerWidth)}
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={onClose}>关闭</Button>
          <Button
            type="primary"
            icon={<DownloadOutlined />}
            loading={downloading === way?.config_id}
            onClick={() => way && void download(way)}
          >
            下载 PNG
          </Button>
        </Flex>
      }
      destroyOnHidden
    >
      {way && detail && (
        <Flex gap={24} wrap align="flex-start">
          <AuthedImage path={qrPath(way.config_id)} alt={`「联系我」二维码：${channel?.label ?? (detail.state || way.config_id)}`} size={200} />
          <Descriptions column={1} size="small" style={{ flex: 1, minWidth: 220 }}>
            <Descriptions.Item label="渠道">
              {channel ? `${channel.label}（${detail.state}）` : detail.state || '—'}
            </Descriptions.Item>
            <Descriptions.Item label="类型">
              {CONTACT_WAY_TYPE[detail.type] ?? detail.type}
              {detail.is_temp ? ' · 临时会话' : ''}
            </Descriptions.Item>
            <Descriptions.Item label="场景">{CONTACT_WAY_SCENE[detail.scene] ?? detail.scene}</Descriptions.Item>
            <Descriptions.Item label="成员">{detail.user.map(staffLabel).join('、') || '—'}</Descriptions.Item>
            {detail.is_temp && (
              <Descriptions.Item label="有效期">
                二维码 {formatDuration(detail.expires_in ?? 7 * 86_400)} · 会话 {formatDuration(detail.chat_expires_in ?? 86_400)}
              </Descriptions.Item>
            )}
            {detail.remark && <Descriptions.Item label="备注">{detail.remark}</Descriptions.Item>}
            <Descriptions.Item label="创建时间">{formatTime(way.created_at_ms)}</Descriptions.Item>
            <Descriptions.Item label="config_id">
              <Typography.Text copyable={{ tooltips: ['复制', '已复制'] }} style={{ wordBreak: 'break-all' }}>
                {way.config_id}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
        </Flex>
      )}
      {detail?.qr_code && (
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
          二维码地址可直接用于营销物料：
          <Typography.Text copyable={{ text: detail.qr_code, tooltips: ['复制', '已复制'] }} style={{ wordBreak: 'break-all' }}>
            {detail.qr_code}
          </Typography.Text>
        </Typography.Paragraph>
      )}
    </Modal>
  );
}
