import {
  AppstoreOutlined,
  DeleteOutlined,
  FileOutlined,
  LinkOutlined,
  PictureOutlined,
  VideoCameraOutlined,
} from '@ant-design/icons';
import { Button, Card, Col, Flex, Form, Input, Popconfirm, Radio, Row, Space, Typography, type FormInstance } from 'antd';
import type { TextAreaRef } from 'antd/es/input/TextArea';
import type { Rule } from 'antd/es/form';
import { useRef, useState, type ReactNode } from 'react';
import {
  ATTACHMENT_LABEL,
  LIMITS,
  PLACEHOLDERS,
  attachmentProblems,
  newAttachment,
  textProblem,
  utf8Bytes,
  type AttachmentDraft,
  type AttachmentField,
  type AttachmentType,
  type ContentDraft,
  type Placeholder,
} from './content';
import { MediaUpload } from './media-upload';
import { MessagePreview } from './message-preview';
import './message-composer.css';

type NamePath = (string | number)[];

export interface MessageComposerProps {
  /** Where the content sits in the surrounding form (default `['content']`). */
  name?: string | NamePath;
  /** Placeholders the sender fills per customer (none for a campaign). */
  placeholders?: readonly Placeholder[];
  /** Show the live preview beside the editor (default true). */
  preview?: boolean;
  /** Names shown in the preview. */
  senderName?: string;
  customerName?: string;
  /** A line of help under the text, e.g. that links become tracked links. */
  help?: ReactNode;
  /** Attachment types offered (default: all). */
  types?: readonly AttachmentType[];
}

const TYPE_ICON: Record<AttachmentType, ReactNode> = {
  image: <PictureOutlined />,
  link: <LinkOutlined />,
  miniprogram: <AppstoreOutlined />,
  video: <VideoCameraOutlined />,
  file: <FileOutlined />,
};

const ALL_TYPES: readonly AttachmentType[] = ['link', 'image', 'miniprogram', 'file', 'video'];

function toPath(name: string | NamePath): NamePath {
  return Array.isArray(name) ? name : [name];
}

/** A rule that shows one field's problem from the whole attachment's check. */
function attachmentRule(path: NamePath, field: AttachmentField): Rule {
  return (form) => ({
    validator: () => {
      const attachment = form.getFieldValue(path) as AttachmentDraft | undefined;
      const problem = attachment ? attachmentProblems(attachment).find((p) => p.field === field) : undefined;
      return problem ? Promise.reject(new Error(problem.message)) : Promise.resolve();
    },
  });
}

/**
 * The content editor: the text (WeCom's 4000-byte limit counted as you type, placeholders
 * checked) and up to 9 attachments — image (upload or URL), 图文链接 (title, link, description,
 * cover), 小程序卡片 (title, AppID, page, cover), file, video — each field validated as it is
 * typed, with a live preview of what the customer sees. A section of the surrounding antd
 * `Form`: values live under `name` in the shape of `ContentDraft` (turn them into the API's
 * `Content` with `toContent`). Read the whole content with `form.getFieldValue(name)` rather
 * than `onFinish`'s values, which leave out fields of attachments that are not on screen.
 */
export function MessageComposer({
  name = ['content'],
  placeholders = [],
  preview = true,
  senderName,
  customerName,
  help,
  types = ALL_TYPES,
}: MessageComposerProps) {
  const form = Form.useFormInstance();
  const path = toPath(name);
  const content = Form.useWatch(path, { form, preserve: true }) as ContentDraft | undefined;

  const editor = (
    <>
      <ContentText form={form} path={path} placeholders={placeholders} help={help} />
      <Form.List
        name={[...path, 'attachments']}
        rules={[
          {
            validator: (_, list: unknown[] | undefined) =>
              (list?.length ?? 0) > LIMITS.attachments
                ? Promise.reject(new Error(`附件最多 ${LIMITS.attachments} 个`))
                : Promise.resolve(),
          },
        ]}
      >
        {(fields, { add, remove }, { errors }) => (
          <>
            {fields.map((field, index) => (
              <AttachmentCard
                key={field.key}
                form={form}
                listPath={[...path, 'attachments']}
                index={field.name}
                position={index + 1}
                onRemove={() => remove(field.name)}
              />
            ))}
            <Form.Item label="附件" style={{ marginBottom: 8 }}>
              <Flex gap={8} wrap role="group" aria-label="添加附件">
                {types.map((type) => (
                  <Button
                    key={type}
                    icon={TYPE_ICON[type]}
                    disabled={fields.length >= LIMITS.attachments}
                    onClick={() => {
                      add(newAttachment(type));
                      void form.validateFields([[...path, 'text']]).catch(() => undefined);
                    }}
                  >
                    {ATTACHMENT_LABEL[type]}
                  </Button>
                ))}
              </Flex>
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12, marginTop: 4 }}>
                最多 {LIMITS.attachments} 个附件，客户会依次收到文字和每个附件（已添加 {fields.length} 个）。
              </Typography.Text>
              <Form.ErrorList errors={errors} />
            </Form.Item>
          </>
        )}
      </Form.List>
    </>
  );

  if (!preview) return editor;
  // Side by side when the composer itself is wide enough (a page), stacked in a drawer: a
  // container query, not the window's breakpoints.
  return (
    <div className="mc-layout">
      <div className="mc-grid">
        <div style={{ minWidth: 0 }}>{editor}</div>
        <div className="mc-preview">
          <Typography.Text strong style={{ display: 'block', marginBottom: 8 }}>
            预览（客户在微信中看到的样子）
          </Typography.Text>
          <MessagePreview content={content} senderName={senderName} customerName={customerName} />
        </div>
      </div>
    </div>
  );
}

function ContentText({
  form,
  path,
  placeholders,
  help,
}: {
  form: FormInstance;
  path: NamePath;
  placeholders: readonly Placeholder[];
  help?: ReactNode;
}) {
  const input = useRef<TextAreaRef>(null);
  const textPath = [...path, 'text'];
  const text = (Form.useWatch(textPath, form) as string | undefined) ?? '';
  const bytes = utf8Bytes(text);

  const insert = (placeholder: Placeholder) => {
    const token = `{${placeholder}}`;
    const element = input.current?.resizableTextArea?.textArea;
    const start = element?.selectionStart ?? text.length;
    const end = element?.selectionEnd ?? text.length;
    form.setFieldValue(textPath, text.slice(0, start) + token + text.slice(end));
    void form.validateFields([textPath]).catch(() => undefined);
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + token.length, start + token.length);
    });
  };

  return (
    <Form.Item
      label="消息文字"
      name={textPath}
      dependencies={[[...path, 'attachments']]}
      validateFirst
      rules={[
        {
          validator: (_, value: string | undefined) => {
            const attachments = (form.getFieldValue([...path, 'attachments']) as unknown[] | undefined) ?? [];
            if (!(value ?? '').trim() && attachments.length === 0) {
              return Promise.reject(new Error('请输入消息文字或添加附件'));
            }
            const problem = textProblem(value, { placeholders });
            return problem ? Promise.reject(new Error(problem)) : Promise.resolve();
          },
        },
      ]}
      extra={
        <Flex justify="space-between" gap={8} wrap>
          <span>
            {help}
            {placeholders.length > 0 && (
              <Space size={4} wrap>
                插入变量：
                {placeholders.map((p) => (
                  <Button key={p} size="small" type="dashed" onClick={() => insert(p)}>
                    {`{${p}}`} {PLACEHOLDERS[p]}
                  </Button>
                ))}
              </Space>
            )}
          </span>
          <span aria-live="polite" style={{ color: bytes > LIMITS.textBytes ? '#cf1322' : undefined }}>
            {bytes} / {LIMITS.textBytes} 字节
          </span>
        </Flex>
      }
    >
      <Input.TextArea ref={input} autoSize={{ minRows: 4, maxRows: 12 }} placeholder="输入要发送给客户的文字" />
    </Form.Item>
  );
}

type CoverMode = 'none' | 'upload' | 'url';

function AttachmentCard({
  form,
  listPath,
  index,
  position,
  onRemove,
}: {
  form: FormInstance;
  listPath: NamePath;
  index: number;
  position: number;
  onRemove: () => void;
}) {
  const itemPath = [...listPath, index];
  const attachment = (form.getFieldValue(itemPath) as AttachmentDraft | undefined) ?? { msgtype: 'link' as const };
  const type = attachment.msgtype;
  const rule = (field: AttachmentField) => attachmentRule(itemPath, field);
  const label = ATTACHMENT_LABEL[type];

  return (
    <Card
      size="small"
      type="inner"
      style={{ marginBottom: 12 }}
      title={
        <Space>
          {TYPE_ICON[type]}
          {`附件 ${position}：${label}`}
        </Space>
      }
      extra={
        <Popconfirm title={`删除这个${label}？`} okText="删除" cancelText="取消" onConfirm={onRemove}>
          <Button type="text" danger icon={<DeleteOutlined />} aria-label={`删除附件 ${position}（${label}）`} />
        </Popconfirm>
      }
    >
      <Form.Item name={[index, 'msgtype']} hidden>
        <Input />
      </Form.Item>
      {type === 'link' && (
        <>
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item label="标题" name={[index, 'title']} rules={[rule('title')]}>
                <Input placeholder="三八妇女节特惠 | 水光针 8 折" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item label="跳转链接" name={[index, 'url']} rules={[rule('url')]}>
                <Input placeholder="https://" prefix={<LinkOutlined aria-hidden />} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item label="描述" name={[index, 'desc']} rules={[rule('desc')]}>
            <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} placeholder="可选，显示在标题下方" />
          </Form.Item>
          <CoverField form={form} itemPath={itemPath} index={index} kind="link" />
        </>
      )}
      {type === 'miniprogram' && (
        <>
          <Row gutter={12}>
            <Col xs={24} md={12}>
              <Form.Item label="标题" name={[index, 'title']} rules={[rule('title')]}>
                <Input placeholder="在线预约" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                label="小程序 AppID"
                name={[index, 'appid']}
                rules={[rule('appid')]}
                extra="须是已关联到企业微信的小程序"
              >
                <Input placeholder="wx0123456789abcdef" />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item
            label="页面路径"
            name={[index, 'page']}
            rules={[
              rule('page'),
              {
                warningOnly: true,
                validator: (_, value: string | undefined) =>
                  !value || /\.html(\?|$)/.test(value.trim())
                    ? Promise.resolve()
                    : Promise.reject(new Error('企业微信要求页面路径以 .html 结尾（如 pages/index.html），否则客户打开时会提示找不到页面')),
              },
            ]}
          >
            <Input placeholder="pages/booking/index.html" />
          </Form.Item>
          <Form.Item label="封面" name={[index, 'pic_media']} rules={[rule('pic_media')]} required>
            <MediaUpload kind="image" label="上传封面" aria-label={`附件 ${position} 的小程序封面`} />
          </Form.Item>
        </>
      )}
      {type === 'image' && <CoverField form={form} itemPath={itemPath} index={index} kind="image" />}
      {(type === 'file' || type === 'video') && (
        <Form.Item label={type === 'file' ? '文件' : '视频'} name={[index, 'media']} rules={[rule('media')]} required>
          <MediaUpload
            kind={type}
            label={type === 'file' ? '上传文件' : '上传视频'}
            aria-label={`附件 ${position} 的${type === 'file' ? '文件' : '视频'}`}
          />
        </Form.Item>
      )}
    </Card>
  );
}

/** A link's cover or an image: none (links only), an uploaded image, or a URL. */
function CoverField({
  form,
  itemPath,
  index,
  kind,
}: {
  form: FormInstance;
  itemPath: NamePath;
  index: number;
  kind: 'link' | 'image';
}) {
  const urlField = kind === 'link' ? 'picurl' : 'pic_url';
  const initial = (): CoverMode => {
    const a = form.getFieldValue(itemPath) as AttachmentDraft | undefined;
    if (a?.[urlField] != null) return 'url';
    if (a?.pic_media != null || a?.media != null || kind === 'image') return 'upload';
    return 'none';
  };
  const [mode, setMode] = useState<CoverMode>(initial);
  const what = kind === 'link' ? '封面' : '图片';

  const choose = (next: CoverMode) => {
    setMode(next);
    const current = form.getFieldValue(itemPath) as AttachmentDraft;
    form.setFieldValue(itemPath, {
      ...current,
      [urlField]: next === 'url' ? '' : null,
      pic_media: next === 'upload' ? (current.pic_media ?? null) : null,
      ...(kind === 'image' ? { media: next === 'upload' ? (current.media ?? null) : null } : {}),
    });
  };

  return (
    <>
      <Form.Item label={kind === 'link' ? '封面图片' : '图片来源'} style={{ marginBottom: 8 }}>
        <Radio.Group
          value={mode}
          onChange={(e) => choose(e.target.value as CoverMode)}
          optionType="button"
          aria-label={kind === 'link' ? '封面图片' : '图片来源'}
          options={[
            ...(kind === 'link' ? [{ value: 'none', label: '无封面' }] : []),
            { value: 'upload', label: '上传图片' },
            { value: 'url', label: '图片链接' },
          ]}
        />
      </Form.Item>
      {mode === 'upload' && (
        <Form.Item
          label={kind === 'link' ? '上传封面' : '图片'}
          name={[index, form.getFieldValue([...itemPath, 'media']) != null ? 'media' : 'pic_media']}
          rules={[attachmentRule(itemPath, 'pic_media')]}
          required={kind === 'image'}
          extra={kind === 'link' ? '建议使用正方形图片' : undefined}
        >
          <MediaUpload kind="image" label={kind === 'link' ? '上传封面' : '上传图片'} />
        </Form.Item>
      )}
      {mode === 'url' && (
        <Form.Item
          label={`${what}链接`}
          name={[index, urlField]}
          rules={[attachmentRule(itemPath, urlField)]}
          extra="控制台不加载外部图片，预览中只显示占位"
        >
          <Input placeholder="https://" />
        </Form.Item>
      )}
    </>
  );
}
