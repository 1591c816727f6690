import type { ReactNode } from 'react';

export interface SummaryColumn<T> {
  key: string;
  title: ReactNode;
  render: (row: T) => ReactNode;
  align?: 'left' | 'right';
  width?: number;
}

interface Props<T> {
  /** What the table lists, for screen readers (and the scroll region's name). */
  caption: string;
  columns: SummaryColumn<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  /** A last row of totals, one cell per column. */
  footer?: ReactNode[];
  /** Shown instead of the table when there are no rows. */
  empty: ReactNode;
  /** Below this width the table scrolls sideways instead of squeezing its columns. */
  minWidth?: number;
}

/**
 * A short read-only table (a dashboard card's few rows): a plain semantic `<table>` styled like
 * Ant Design's small table, without its sorting, paging and filter machinery — the dashboard
 * loads none of it. Lists that page, sort or select rows use Ant Design's Table.
 */
export function SummaryTable<T>({ caption, columns, rows, rowKey, footer, empty, minWidth }: Props<T>) {
  if (rows.length === 0) return <>{empty}</>;
  const align = (c: SummaryColumn<T>) => (c.align === 'right' ? 'summary-table-right' : undefined);
  return (
    // A region of its own that keyboard users can focus and scroll when the table is wider than it.
    <div className="summary-table-scroll" role="region" aria-label={caption} tabIndex={0}>
      <table className="summary-table" style={minWidth ? { minWidth } : undefined}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={align(c)} style={c.width ? { width: c.width } : undefined}>
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.key} className={align(c)}>
                  {c.render(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {footer && (
          <tfoot>
            <tr>
              {footer.map((cell, i) => (
                <td key={columns[i]?.key ?? i} className={columns[i] ? align(columns[i]) : undefined}>
                  {cell}
                </td>
              ))}
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}
