import { Badge } from 'antd';

const STATUS: Record<string, 'success' | 'processing' | 'default' | 'error' | 'warning'> = {
  green: 'success',
  blue: 'processing',
  cyan: 'processing',
  processing: 'processing',
  gold: 'warning',
  orange: 'warning',
  red: 'error',
  default: 'default',
};

/**
 * A state as a coloured dot and plain text: Ant Design's light coloured tags (green, gold, cyan)
 * do not reach WCAG AA contrast, the text of a badge does.
 */
export function StatusBadge({ label, color }: { label: string; color: string }) {
  return <Badge status={STATUS[color] ?? 'default'} text={label} />;
}
