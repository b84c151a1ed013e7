// The run history of one flow: pages of runs (newest first) filtered by stage and status,
// loaded from GET …/runs. Answers that arrive after the filter changed are dropped.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ListParams, Page, Run, RunStatus } from '../api/types';

/** The part of the API client the history uses. */
export interface RunsApi {
  listRuns(project: string, flow: string, p: ListParams & { stage?: string; status?: RunStatus }): Promise<Page<Run>>;
}

export interface HistoryFilter {
  stage: string;
  status: string;
}

export interface HistoryState {
  filter: HistoryFilter;
  items: Run[];
  next: string | null;
  loading: boolean;
  /** True once the first page (for the current filter) arrived. */
  loaded: boolean;
  error: string | null;
  reload(): Promise<void>;
  /**
   * Reads the first page again and puts new runs on top (and updates the ones listed), keeping
   * the pages loaded below: for runs that start and end while the list is open. Reloads when
   * nothing is listed yet, or when none of the first page was listed (a gap would be left).
   */
  refresh(expect?: string): Promise<void>;
  more(): Promise<void>;
  setFilter(f: Partial<HistoryFilter>): Promise<void>;
}

export type HistoryStore = StoreApi<HistoryState>;

export const PAGE_SIZE = 20;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createHistory(api: RunsApi, project: string, flow: string, pageSize = PAGE_SIZE, retryMs = 400): HistoryStore {
  let generation = 0;
  return createStore<HistoryState>()((set, get) => {
    const load = async (append: boolean) => {
      const gen = append ? generation : ++generation;
      const { filter, next } = get();
      set({ loading: true, error: null });
      try {
        const page = await api.listRuns(project, flow, {
          limit: pageSize,
          ...(append && next ? { cursor: next } : {}),
          ...(filter.stage ? { stage: filter.stage } : {}),
          ...(filter.status ? { status: filter.status } : {}),
        });
        if (gen !== generation) return;
        const items = page.items ?? [];
        set((s) => ({
          items: append ? [...s.items, ...items.filter((r) => !s.items.some((x) => x.id === r.id))] : items,
          next: page.next_cursor || null,
          loading: false,
          loaded: true,
        }));
      } catch (e) {
        if (gen !== generation) return;
        set({ loading: false, error: e instanceof Error ? e.message : String(e) });
      }
    };
    return {
      filter: { stage: '', status: '' },
      items: [],
      next: null,
      loading: false,
      loaded: false,
      error: null,
      reload: () => load(false),
      refresh: async (expect) => {
        const { loaded, items, error } = get();
        if (!loaded || error || !items.length) return load(false);
        const gen = generation;
        const { filter } = get();
        try {
          const read = () =>
            api.listRuns(project, flow, {
              limit: pageSize,
              ...(filter.stage ? { stage: filter.stage } : {}),
              ...(filter.status ? { status: filter.status } : {}),
            });
          let page = await read();
          // a run is stored just after its end is announced: wait a little for it
          for (let i = 0; expect && i < 4 && !(page.items ?? []).some((r) => r.id === expect) && gen === generation; i++) {
            await sleep(retryMs);
            page = await read();
          }
          if (gen !== generation) return;
          const fresh = page.items ?? [];
          const ids = new Set(fresh.map((r) => r.id));
          if (!get().items.some((r) => ids.has(r.id))) return load(false);
          set((s) => ({ items: [...fresh, ...s.items.filter((r) => !ids.has(r.id))] }));
        } catch {
          /* the list stays as it is; Refresh tries again */
        }
      },
      more: async () => {
        if (!get().next || get().loading) return;
        await load(true);
      },
      setFilter: (f) => {
        set((s) => ({ filter: { ...s.filter, ...f }, items: [], next: null, loaded: false }));
        return load(false);
      },
    };
  });
}

/** "850 ms", "1.3 s", "2 min 5 s", "1 h 2 min". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A time as the browser's local date and time: "2026-03-01 12:05" (seconds too when asked). */
function localDateTime(t: Date, seconds = false): string {
  const date = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
  return `${date} ${pad(t.getHours())}:${pad(t.getMinutes())}${seconds ? `:${pad(t.getSeconds())}` : ''}`;
}

/** A clock a little ahead of this one (the server's): a run started "in the future" just now. */
const SKEW_MS = 60_000;

/**
 * When a run started, relative to now for recent runs ("12 s ago", "5 min ago"), else the
 * local date and time. A start up to a minute after now (the server's clock ahead of this
 * one) is "just now".
 */
export function formatWhen(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const d = now.getTime() - t.getTime();
  if (d < 0 && d > -SKEW_MS) return 'just now';
  if (d >= 0 && d < 60_000) return `${Math.max(1, Math.round(d / 1000))} s ago`;
  if (d >= 0 && d < 3_600_000) return `${Math.round(d / 60_000)} min ago`;
  if (d >= 0 && d < 86_400_000) return `${Math.round(d / 3_600_000)} h ago`;
  return localDateTime(t);
}

/** The full local time of a run's start, with the time zone: the tooltip of formatWhen's text. */
export function formatWhenExact(iso: string, timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${localDateTime(t, true)}${timeZone ? ` (${timeZone})` : ''}`;
}

/**
 * How long until formatWhen's text of one of these starts can change: every second while one
 * is under a minute old, every 10 s while one is under an hour old, every minute while one is
 * under a day old; null when none will (they show the date).
 */
export function whenTick(isos: readonly string[], now: number): number | null {
  let youngest = Infinity;
  for (const iso of isos) {
    const t = Date.parse(iso);
    if (Number.isNaN(t)) continue;
    youngest = Math.min(youngest, Math.max(0, now - t));
  }
  if (youngest < 60_000) return 1_000;
  if (youngest < 3_600_000) return 10_000;
  if (youngest < 86_400_000) return 60_000;
  return null;
}
