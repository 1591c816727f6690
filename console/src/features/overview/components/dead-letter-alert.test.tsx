import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { DeadLetterAlert } from './dead-letter-alert';

function show(deadLetters: number, byQueue: { queue: string; count: number }[]) {
  return render(
    <MemoryRouter>
      <DeadLetterAlert view={{ dead_letters: deadLetters, dead_letters_by_queue: byQueue }} />
    </MemoryRouter>,
  );
}

describe('the dead-letter alert', () => {
  it('is absent while nothing failed', () => {
    show(0, [
      { queue: 'events', count: 0 },
      { queue: 'sends', count: 0 },
    ]);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says how many failed where, and links to them on the 运维 page', () => {
    show(3, [
      { queue: 'events', count: 2 },
      { queue: 'sync', count: 0 },
      { queue: 'sends', count: 1 },
    ]);
    expect(screen.getByRole('alert')).toHaveTextContent('有 3 条处理失败的消息（企业微信事件 2 条，群发任务 1 条）');
    expect(screen.getByRole('link', { name: '前往「运维」处理' })).toHaveAttribute('href', '/dashboard/ops?tab=dead-letters');
  });
});
