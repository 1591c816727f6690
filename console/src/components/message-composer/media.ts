/**
 * Attachments' files: checked in the browser (type, 6 B–256 KB, the API's limits), sent to
 * `POST /api/media` as base64 and referenced by the hash it answers. What the browser knows of a
 * file it uploaded (name, size, a data: URL of an image) is kept here so the editor and the
 * preview can show it; a stored content from the API only has hashes (there is no media read
 * endpoint), and shows a placeholder instead.
 */
import { api, type Schemas } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';

export type MediaKind = Schemas['MediaKindName'];
export type MediaView = Schemas['MediaView'];

export const MAX_MEDIA_BYTES = 256 * 1024;
const MIN_MEDIA_BYTES = 6;

export interface MediaInfo {
  hash: string;
  filename: string;
  size: number;
  kind: MediaKind;
  /** A `data:` URL of an image (allowed by the console's Content-Security-Policy). */
  dataUrl?: string;
}

const known = new Map<string, MediaInfo>();

export function rememberMedia(info: MediaInfo): void {
  known.set(info.hash, info);
}

export function mediaInfo(hash: string | null | undefined): MediaInfo | undefined {
  return hash ? known.get(hash) : undefined;
}

export const ACCEPT: Record<MediaKind, string> = {
  image: '.jpg,.jpeg,.png,image/jpeg,image/png',
  video: '.mp4,video/mp4',
  file: '',
};

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** Why a file cannot be used as `kind`, in Chinese; null when it can. */
export function fileProblem(file: { name: string; size: number; type: string }, kind: MediaKind): string | null {
  if (kind === 'image' && !/\.(jpe?g|png)$/i.test(file.name) && !/^image\/(jpeg|png)$/.test(file.type)) {
    return '图片仅支持 JPG、PNG 格式';
  }
  if (kind === 'video' && !/\.mp4$/i.test(file.name) && file.type !== 'video/mp4') {
    return '视频仅支持 MP4 格式';
  }
  if (file.size > MAX_MEDIA_BYTES) {
    return `文件不能超过 ${MAX_MEDIA_BYTES / 1024} KB（当前 ${formatBytes(file.size)}），请压缩后再上传`;
  }
  if (file.size < MIN_MEDIA_BYTES) return '文件是空的，请重新选择';
  if (file.name.length > 100) return '文件名不能超过 100 个字，请重命名后再上传';
  return null;
}

function readAsDataUrl(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : '');
    reader.onerror = () => reject(new Error('无法读取文件，请重新选择'));
    reader.readAsDataURL(file);
  });
}

/** Uploads a file for attachments; answers what the API stored (its `hash` goes in the content). */
export async function uploadMedia(file: File, kind: MediaKind): Promise<MediaInfo> {
  const problem = fileProblem(file, kind);
  if (problem) throw new Error(problem);
  const dataUrl = await readAsDataUrl(file);
  const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1);
  const filename = file.name.replace(/[\\/]/g, '_');
  const { data, error } = await api.POST('/api/media', {
    body: { filename, kind, data_base64: base64 },
  });
  // Keeps the API's body (`error.error.field`…) so errorMessage / applyFieldError can read it.
  if (error !== undefined) throw Object.assign(new Error(errorMessage(error)), error);
  if (!data) throw new Error('上传失败，请稍后重试');
  const info: MediaInfo = {
    hash: data.hash,
    filename: data.filename,
    size: data.size,
    kind,
    ...(kind === 'image' ? { dataUrl } : {}),
  };
  rememberMedia(info);
  return info;
}
