import { App } from 'antd';
import { useState } from 'react';
import { downloadAuthed } from '@/lib/download';
import { qrPath, type ContactWayView } from './contact-ways';

/** The file name a downloaded QR code gets: its channel (or config_id), as the API names it. */
export function qrFileName(way: ContactWayView): string {
  const name = (way.contact_way.state || way.config_id).replace(/[^A-Za-z0-9_-]/g, '_');
  return `contact-way-${name}.png`;
}

export function useQrDownload() {
  const { message } = App.useApp();
  const [downloading, setDownloading] = useState<string | null>(null);
  const download = async (way: ContactWayView) => {
    setDownloading(way.config_id);
    try {
      await downloadAuthed(qrPath(way.config_id, true), qrFileName(way));
    } catch (e) {
      void message.error(e instanceof Error ? e.message : '下载失败，请稍后重试');
    } finally {
      setDownloading(null);
    }
  };
  return { download, downloading };
}

