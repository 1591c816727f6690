import { useQuery } from '@tanstack/react-query';
import { Skeleton } from 'antd';
import { useEffect, useMemo } from 'react';
import { authedFetch } from '@/lib/api/client';

/** An image the API serves behind the bearer token (e.g. a 「联系我」 QR code). */
export function AuthedImage({ path, alt, size = 200 }: { path: string; alt: string; size?: number }) {
  const image = useQuery({
    queryKey: ['authed-image', path],
    queryFn: async () => {
      const response = await authedFetch(path);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return response.blob();
    },
    staleTime: 5 * 60_000,
  });
  const url = useMemo(() => (image.data ? URL.createObjectURL(image.data) : null), [image.data]);
  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);

  if (image.isError) {
    return (
      <div role="img" aria-label={`${alt}（加载失败）`} style={{ width: size, height: size, display: 'grid', placeItems: 'center', color: '#8c8c8c' }}>
        图片加载失败
      </div>
    );
  }
  if (!url) return <Skeleton.Image active style={{ width: size, height: size }} />;
  return <img src={url} alt={alt} width={size} height={size} style={{ objectFit: 'contain' }} />;
}
