import { fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { FunnelView, PipelineReport } from '../api/pipeline';
import { PipelineFunnelView } from './pipeline-funnel';

const STAGES = ['new', 'consulted', 'booked', 'arrived', 'purchased', 'repurchased'] as const;

/** A funnel from the customers at each stage (as the API computes it). */
function funnel(at: Partial<Record<(typeof STAGES)[number], number>>): FunnelView {
  const customers = Object.values(at).reduce((a, b) => a + (b ?? 0), 0);
  const at_stage: Record<string, number> = {};
  const reached: Record<string, number> = {};
  const conversion: Record<string, number> = {};
  let later = 0;
  for (const stage of [...STAGES].reverse()) {
    later += at[stage] ?? 0;
    at_stage[stage] = at[stage] ?? 0;
    reached[stage] = later;
    conversion[stage] = customers ? Math.round((later / customers) * 10_000) / 10_000 : 0;
  }
  return { customers, at_stage, reached, conversion };
}

const report: PipelineReport = {
  from_ms: 0,
  to_ms: 1,
  stages: [...STAGES],
  total: funnel({ new: 1, booked: 1, purchased: 1, repurchased: 1 }),
  by_channel: [
    { state: 'xiaohongshu', label: '小红书', ...funnel({ new: 1, booked: 1, purchased: 1 }) },
    { state: 'douyin', label: '抖音', ...funnel({ repurchased: 1 }) },
  ],
  by_consultant: [
    { userid: 'zhangsan', ...funnel({ new: 1, booked: 1, purchased: 1 }) },
    { userid: 'lisi', ...funnel({ repurchased: 1 }) },
  ],
};

describe('the conversion funnel', () => {
  it('shows how many reached each stage and their share, by channel and by consultant', () => {
    render(<PipelineFunnelView report={report} staffLabel={(u) => (u === 'zhangsan' ? '张三' : u)} />);
    const bars = screen.getByRole('list', { name: '全部新增客户的转化漏斗' });
    expect(within(bars).getByRole('listitem', { name: '新线索 4 人（100%）' })).toBeInTheDocument();
    expect(within(bars).getByRole('listitem', { name: '已预约 3 人（75%）' })).toBeInTheDocument();
    expect(within(bars).getByRole('listitem', { name: '已成交 2 人（50%）' })).toBeInTheDocument();
    expect(within(bars).getByRole('listitem', { name: '复购 1 人（25%）' })).toBeInTheDocument();

    const byChannel = screen.getByRole('table');
    const xhs = within(byChannel).getByText('小红书').closest('tr') as HTMLElement;
    expect(xhs).toHaveTextContent('3');
    expect(xhs).toHaveTextContent('2（66.7%）');
    expect(within(byChannel).getByText('抖音').closest('tr')).toHaveTextContent('1（100%）');

    fireEvent.click(screen.getByText('按顾问'));
    const byConsultant = screen.getByRole('table');
    expect(within(byConsultant).getByText('张三').closest('tr')).toHaveTextContent('1（33.3%）');
    expect(within(byConsultant).getByText('lisi')).toBeInTheDocument();
  });

  it('says so when no customer came in', () => {
    render(<PipelineFunnelView report={{ ...report, total: funnel({}), by_channel: [], by_consultant: [] }} staffLabel={(u) => u} />);
    expect(screen.getByText('这段时间没有新增客户')).toBeInTheDocument();
  });
});
