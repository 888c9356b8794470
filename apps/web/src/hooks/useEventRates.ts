import { useCallback, useEffect, useState } from 'react';
import { fetchEventRates } from '../api/client.js';
import type { HeraldEvent } from '../api/types.js';
import { addLiveEvents, emptyRates, ratesFromSnapshot, type RateWindow } from '../state/event-rates.js';
import { useApiFetch } from './useApiFetch.js';

export interface EventRatesState {
  rates: RateWindow;
  /** The chart's "now", advanced every few seconds so the window scrolls. */
  now: number;
  /** Set when the analytics endpoint failed: the chart then counts live events only. */
  error: string | undefined;
  addEvents(events: HeraldEvent[]): void;
}

/**
 * Events per minute for the last `minutes`: loaded from the analytics endpoint, reloaded every
 * `refetchMs` (which corrects the live estimate), and counted live in between.
 */
export function useEventRates(minutes = 60, refetchMs = 60_000, tickMs = 5_000): EventRatesState {
  const [rates, setRates] = useState<RateWindow>(() => emptyRates(minutes, Date.now()));
  const [error, setError] = useState<string | undefined>();
  const [now, setNow] = useState(() => Date.now());
  const apiFetch = useApiFetch();

  useEffect(() => {
    const controller = new AbortController();
    const load = async () => {
      try {
        const snapshot = await fetchEventRates(minutes, apiFetch, controller.signal);
        setRates(ratesFromSnapshot(snapshot, minutes));
        setError(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void load();
    const refetch = setInterval(load, refetchMs);
    const tick = setInterval(() => setNow(Date.now()), tickMs);
    return () => {
      controller.abort();
      clearInterval(refetch);
      clearInterval(tick);
    };
  }, [minutes, refetchMs, tickMs, apiFetch]);

  const addEvents = useCallback((events: HeraldEvent[]) => {
    setRates((current) => addLiveEvents(current, events));
    setNow(Date.now());
  }, []);

  return { rates, now, error, addEvents };
}
