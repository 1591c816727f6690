import { Flex, Typography } from 'antd';
import type { ReactNode } from 'react';

interface Props {
  title: ReactNode;
  /** One sentence on what the page is for. */
  description?: ReactNode;
  /** Primary actions, top right. */
  extra?: ReactNode;
  children: ReactNode;
}

/** Every page's frame: one h1 (for screen readers and the e2e run), a line of help, actions. */
export function PageContainer({ title, description, extra, children }: Props) {
  return (
    <section className="page">
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ marginBottom: 16 }}>
        <div style={{ minWidth: 0 }}>
          <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
            {title}
          </Typography.Title>
          {description && (
            <Typography.Paragraph type="secondary" style={{ margin: '4px 0 0' }}>
              {description}
            </Typography.Paragraph>
          )}
        </div>
        {extra && (
          <Flex gap={8} wrap>
            {extra}
          </Flex>
        )}
      </Flex>
      {children}
    </section>
  );
}
