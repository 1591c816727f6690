import { useEffect, useState } from 'react';

/** The current instant, refreshed every 30 s (the quiet-hours warning depends on it). */
export function useNow(every = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), every);
    return () => clearInterval(timer);
  }, [every]);
  return now;
}
