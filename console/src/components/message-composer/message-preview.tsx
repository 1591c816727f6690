import { AppstoreOutlined, FileOutlined, PictureOutlined, PlayCircleFilled } from '@ant-design/icons';
import { Fragment, type ReactNode } from 'react';
import { dayjs } from '@/lib/format';
import { attachmentProblems, type AttachmentDraft, type Content, type ContentDraft, type Placeholder } from './content';
import { formatBytes, mediaInfo } from './media';
import './message-preview.css';

interface Props {
  content: Content | ContentDraft | null | undefined;
  /** The consultant the customer sees as sender. */
  senderName?: string;
  /** The chat's title: the customer. */
  customerName?: string;
  /** The clinic's short name after the sender (WeChat shows 「@企业简称」). */
  corpName?: string;
  /** Values shown for `{name}`, `{coupon}`, `{valid_until}`. */
  samples?: Partial<Record<Placeholder, string>>;
  /** The accessible name of the preview. */
  label?: string;
}

function defaultSamples(): Record<Placeholder, string> {
  return {
    name: '李女士',
    coupon: 'BIRTHDAY-9折',
    valid_until: dayjs().endOf('month').format('YYYY-MM-DD'),
  };
}

const URL_PATTERN = /(https?:\/\/[^\s\u4e00-\u9fff，。！？、；：“”‘’（）《》]+)/g;

/** The text with its placeholders filled and its links shown as WeChat shows them. */
function TextBody({ text, samples }: { text: string; samples: Record<Placeholder, string> }) {
  const filled = text.replace(/\{(name|coupon|valid_until)\}/g, (_, key: Placeholder) => samples[key]);
  const parts = filled.split(URL_PATTERN);
  return (
    <>
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <span key={i} className="wx-bubble__link">
            {part}
          </span>
        ) : (
          <Fragment key={i}>{part}</Fragment>
        ),
      )}
    </>
  );
}

/** An image by hash (uploaded in this browser: shown), or a placeholder saying what it is. */
function Picture({ hash, url, what }: { hash?: string | null; url?: string | null; what: string }) {
  const info = mediaInfo(hash);
  if (info?.dataUrl) return <img src={info.dataUrl} alt={what} />;
  // External images are not loaded (the console's CSP allows its own origin only).
  return (
    <span role="img" aria-label={`${what}（${url ? '外部图片' : hash ? '已上传' : '未选择'}）`}>
      <PictureOutlined aria-hidden />
      <br />
      {url ? '外部图片' : hash ? '已上传' : '未选择'}
    </span>
  );
}

function extension(filename: string): string {
  const match = /\.([A-Za-z0-9]{1,5})$/.exec(filename);
  return match ? match[1]!.toUpperCase() : '文件';
}

const FILE_COLOURS: Record<string, string> = {
  PDF: '#cf1322',
  DOC: '#0958d9',
  DOCX: '#0958d9',
  XLS: '#237804',
  XLSX: '#237804',
  PPT: '#ad4e00',
  PPTX: '#ad4e00',
};

function AttachmentBody({ attachment }: { attachment: AttachmentDraft }) {
  const a = attachment;
  switch (a.msgtype) {
    case 'link':
      return (
        <div className="wx-card" data-kind="link">
          <div className="wx-card__title">{a.title?.trim() || '链接标题'}</div>
          <div className="wx-card__row">
            <div className="wx-card__desc">{a.desc?.trim() || a.url?.trim() || '链接描述'}</div>
            {(a.pic_media || a.picurl) && (
              <div className="wx-thumb">
                <Picture hash={a.pic_media} url={a.picurl} what="链接封面" />
              </div>
            )}
            {!a.pic_media && !a.picurl && (
              <div className="wx-thumb" aria-hidden>
                <PictureOutlined />
              </div>
            )}
          </div>
        </div>
      );
    case 'miniprogram':
      return (
        <div className="wx-card" data-kind="miniprogram">
          <div className="wx-mp__head">
            <AppstoreOutlined aria-hidden />
            <span>{a.appid?.trim() || '小程序'}</span>
          </div>
          <div className="wx-card__title" style={{ marginTop: 4 }}>
            {a.title?.trim() || '小程序卡片标题'}
          </div>
          <div className="wx-mp__cover">
            <Picture hash={a.pic_media} what="小程序封面" />
          </div>
          <div className="wx-mp__foot">
            <AppstoreOutlined aria-hidden />
            小程序
          </div>
        </div>
      );
    case 'image': {
      const hash = a.pic_media ?? a.media;
      return (
        <div className="wx-image" data-kind="image">
          <Picture hash={hash} url={a.pic_url} what="图片" />
        </div>
      );
    }
    case 'video': {
      const info = mediaInfo(a.media);
      return (
        <div data-kind="video">
          <div className="wx-video" role="img" aria-label="视频">
            <PlayCircleFilled aria-hidden />
          </div>
          <span className="wx-video__name">{info ? info.filename : a.media ? '已上传的视频' : '未选择视频'}</span>
        </div>
      );
    }
    case 'file': {
      const info = mediaInfo(a.media);
      const name = info?.filename ?? (a.media ? '已上传的文件' : '未选择文件');
      const ext = info ? extension(info.filename) : '文件';
      return (
        <div className="wx-card wx-file" data-kind="file">
          <div style={{ flex: 1, minWidth: 0 }}>
            <div className="wx-file__name">{name}</div>
            {info && <div className="wx-file__size">{formatBytes(info.size)}</div>}
          </div>
          <div className="wx-file__icon" style={{ background: FILE_COLOURS[ext] ?? '#595959' }} aria-hidden>
            {info ? ext : <FileOutlined />}
          </div>
        </div>
      );
    }
  }
}

function Message({ sender, corp, children, invalid }: { sender: string; corp: string; children: ReactNode; invalid?: boolean }) {
  return (
    <div className="wx-msg" role="listitem">
      <div className="wx-msg__avatar" aria-hidden>
        {sender.slice(0, 1)}
      </div>
      <div className="wx-msg__main">
        <div className="wx-msg__sender">
          {sender}
          <span className="wx-msg__corp">@{corp}</span>
        </div>
        <div className={invalid ? 'wx-problem' : undefined}>{children}</div>
      </div>
    </div>
  );
}

/**
 * A live preview of a message as the customer sees it in WeChat: the text as a chat bubble,
 * then each attachment as its own message (link card with title, description and cover;
 * mini-program card; image; video; file tile), in the order WeCom delivers them. Attachments
 * that are not complete yet are outlined.
 */
export function MessagePreview({
  content,
  senderName = '跟进成员',
  customerName = '客户',
  corpName = '深圳妍美',
  samples,
  label = '消息预览：客户在微信中看到的样子',
}: Props) {
  const text = content?.text ?? '';
  const attachments = (content?.attachments ?? []) as AttachmentDraft[];
  const values = { ...defaultSamples(), ...samples };
  const empty = !text.trim() && attachments.length === 0;

  return (
    <figure className="wx-preview" aria-label={label} style={{ margin: 0 }}>
      <div className="wx-preview__bar">{customerName}</div>
      <div className="wx-preview__body">
        {empty ? (
          <div className="wx-preview__empty">输入消息文字或添加附件后，这里会实时显示客户看到的样子。</div>
        ) : (
          <div role="list" aria-label="消息" style={{ display: 'flex', flexDirection: 'column', gap: 14 }}>
            {text.trim() && (
              <Message sender={senderName} corp={corpName}>
                <div className="wx-bubble" data-kind="text">
                  <TextBody text={text} samples={values} />
                </div>
              </Message>
            )}
            {attachments.map((attachment, index) => (
              <Message
                key={index}
                sender={senderName}
                corp={corpName}
                invalid={attachmentProblems(attachment).length > 0}
              >
                <AttachmentBody attachment={attachment} />
              </Message>
            ))}
          </div>
        )}
      </div>
    </figure>
  );
}
