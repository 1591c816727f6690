import { ArrowRightOutlined } from '@ant-design/icons';
import { Flex, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';

export interface Count {
  label: string;
  value: number | null | undefined;
  hint?: ReactNode;
  /** Shown only when not zero (failures). */
  optional?: boolean;
}

/** Counts in order, as a funnel reads: each stage's label and number, arrows between. */
export function Counts({ items, label }: { items: Count[]; label: string }) {
  const shown = items.filter((item) => !item.optional || (item.value ?? 0) > 0);
  return (
    <Flex role="list" aria-label={label} wrap gap={4} align="center">
      {shown.map((item, index) => (
        <Flex key={item.label} role="listitem" align="center" gap={4}>
          {index > 0 && <ArrowRightOutlined aria-hidden style={{ color: '#8c8c8c', fontSize: 12 }} />}
          <div className="automation-count" style={{ padding: '4px 10px', background: '#f5f5f5', borderRadius: 6, minWidth: 72 }}>
            <div style={{ fontSize: 12, color: '#595959' }}>
              {item.hint ? (
                <Tooltip title={item.hint}>
                  <span tabIndex={0} style={{ borderBottom: '1px dashed #8c8c8c' }}>{item.label}</span>
                </Tooltip>
              ) : (
                item.label
              )}
            </div>
            <div style={{ fontSize: 18, fontWeight: 600 }} data-count={item.label}>
              {item.value ?? <Typography.Text type="secondary">—</Typography.Text>}
            </div>
          </div>
        </Flex>
      ))}
    </Flex>
  );
}
