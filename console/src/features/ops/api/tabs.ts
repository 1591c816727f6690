/** The operations page's tabs, as `?tab=` names them (the overview links to `?tab=dead-letters`). */
export const OPS_TABS = ['events', 'dead-letters', 'sync', 'stats', 'audit'] as const;
export type OpsTab = (typeof OPS_TABS)[number];

/** The tab a `?tab=` value names; the event log for anything else. */
export function opsTab(value: string | null): OpsTab {
  return OPS_TABS.find((tab) => tab === value) ?? 'events';
}
