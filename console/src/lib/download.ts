import { authedFetch } from './api/client';

/** Saves what the API serves behind the bearer token as a file named `filename`. */
export async function downloadAuthed(path: string, filename: string): Promise<void> {
  const response = await authedFetch(path);
  if (!response.ok) throw new Error('下载失败，请稍后重试');
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
