import { $api, type Schemas } from '@/lib/api/client';

export type Overview = Schemas['OverviewView'];
export type OverviewChannel = Schemas['OverviewChannel'];
export type CampaignInFlight = Schemas['CampaignInFlight'];

export const WINDOWS = [7, 30, 90] as const;
export type Window = (typeof WINDOWS)[number];

/** The `?days=` of the address, when it is one of the windows offered; 30 otherwise. */
export function windowOf(value: string | null): Window {
  return WINDOWS.find((d) => String(d) === value) ?? 30;
}

/** The dashboard's numbers, in one answer of the API; asked again every minute while open. */
export function useOverview(days: Window) {
  return $api.useQuery(
    'get',
    '/api/overview',
    { params: { query: { days } } },
    { refetchInterval: 60_000, placeholderData: (previous) => previous },
  );
}
