import { Flex } from 'antd';
import type { ReactNode } from 'react';

interface Props {
  title: ReactNode;
  /** One sentence on what the page is for. */
  description?: ReactNode;
  /** Primary actions, top right. */
  extra?: ReactNode;
  children: ReactNode;
}

/**
 * Every page's frame: one h1 (for screen readers and the e2e run), a line of help, actions.
 * Plain headings, not Ant Design's Typography (which brings its editable text area and copy
 * button to every page).
 */
export function PageContainer({ title, description, extra, children }: Props) {
  return (
    <section className="page">
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ marginBottom: 16 }}>
        <div style={{ minWidth: 0 }}>
          <h1 className="page-title">{title}</h1>
          {description && <p className="page-description">{description}</p>}
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
