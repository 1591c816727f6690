import { DeleteOutlined, FileOutlined, PictureOutlined, UploadOutlined, VideoCameraOutlined } from '@ant-design/icons';
import { Button, Flex, Typography, Upload } from 'antd';
import { useState } from 'react';
import { errorMessage } from '@/lib/api/errors';
import { ACCEPT, formatBytes, MAX_MEDIA_BYTES, mediaInfo, uploadMedia, type MediaKind } from './media';

interface Props {
  /** The uploaded file's hash (the form field's value). */
  value?: string | null;
  onChange?: (hash: string | null) => void;
  kind: MediaKind;
  /** What the button says, e.g. 「上传封面」. */
  label: string;
  /** The accessible name of the file input. */
  'aria-label'?: string;
  id?: string;
}

const ICON = { image: <PictureOutlined />, video: <VideoCameraOutlined />, file: <FileOutlined /> };

/**
 * A form control holding an uploaded file's hash: choose a file, it is uploaded at once
 * (`POST /api/media`), the hash becomes the value. Problems (type, size, the API's answer) show
 * under the button.
 */
export function MediaUpload({ value, onChange, kind, label, id, ...rest }: Props) {
  const [uploading, setUploading] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const info = mediaInfo(value);
  /** What is uploaded, for screen readers (several uploads may share a page). */
  const what = rest['aria-label'] ?? label;

  const pick = async (file: File) => {
    setProblem(null);
    setUploading(true);
    try {
      const uploaded = await uploadMedia(file, kind);
      onChange?.(uploaded.hash);
    } catch (e) {
      setProblem(errorMessage(e));
    } finally {
      setUploading(false);
    }
  };

  return (
    <div id={id}>
      {value ? (
        <Flex align="center" gap={8} wrap>
          {kind === 'image' && info?.dataUrl ? (
            <img src={info.dataUrl} alt={info.filename} width={48} height={48} style={{ objectFit: 'cover', borderRadius: 4 }} />
          ) : (
            <span aria-hidden style={{ fontSize: 20, color: '#595959' }}>
              {ICON[kind]}
            </span>
          )}
          <Typography.Text ellipsis style={{ maxWidth: 240 }}>
            {info ? `${info.filename}（${formatBytes(info.size)}）` : `已上传的素材 ${value.slice(0, 8)}…`}
          </Typography.Text>
          <Upload accept={ACCEPT[kind] || undefined} showUploadList={false} beforeUpload={(file) => (void pick(file), false)}>
            <Button size="small" loading={uploading} aria-label={`重新上传：${what}`}>
              重新上传
            </Button>
          </Upload>
          <Button
            size="small"
            type="text"
            danger
            icon={<DeleteOutlined />}
            aria-label={`移除：${what}`}
            onClick={() => onChange?.(null)}
          />
        </Flex>
      ) : (
        <Upload accept={ACCEPT[kind] || undefined} showUploadList={false} beforeUpload={(file) => (void pick(file), false)}>
          <Button icon={<UploadOutlined />} loading={uploading} aria-label={`${uploading ? '上传中…' : label}：${what}`}>
            {uploading ? '上传中…' : label}
          </Button>
        </Upload>
      )}
      <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 4 }}>
        {kind === 'image' ? 'JPG、PNG' : kind === 'video' ? 'MP4' : '任意格式'}，不超过 {MAX_MEDIA_BYTES / 1024} KB
      </Typography.Text>
      {problem && (
        <Typography.Text type="danger" role="alert" style={{ display: 'block' }}>
          {problem}
        </Typography.Text>
      )}
    </div>
  );
}
