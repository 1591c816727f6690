/** The queues whose failed messages the alert counts (the 运维 page says the same). */
const QUEUE: Record<string, string> = {
  events: '企业微信事件',
  sync: '同步',
  campaigns: '推送任务',
  sends: '群发任务',
};

export function queueLabel(queue: string): string {
  return QUEUE[queue] ?? queue;
}
