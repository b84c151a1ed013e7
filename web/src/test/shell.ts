// What tests of the app shell share: a live socket that never sends, the layout stand-in
// React Flow needs under jsdom, a window of a chosen width, and flow rows as the API lists them.
import { act } from '@testing-library/react';
import type { Flow } from '../api/types';

/** A live socket that is open and never sends anything. */
export class FakeLive {
  status = 'open' as const;
  subscribe() {
    return () => undefined;
  }
}

/** React Flow measures its pane; jsdom has no layout, so a do-nothing ResizeObserver stands in. */
export function installResizeObserver(): void {
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
}

/** A flow as the API lists it (project P1), with any field overridden. */
export function flowRow(id: string, name: string, kind: Flow['kind'] = 'route', over: Partial<Flow> = {}): Flow {
  return { id, project: 'P1', kind, name, run_saving: 'all', retention: 100, latest_version: 0, created_at: '', updated_at: '', ...over };
}

/** A window `width` px wide as matchMedia answers it, which the test can resize. */
export function fakeWindow(width: number) {
  const listeners = new Set<() => void>();
  const max = (q: string) => Number(/max-width: (\d+)px/.exec(q)?.[1] ?? Infinity);
  const w = { width };
  globalThis.matchMedia = ((q: string) => ({
    get matches() {
      return w.width <= max(q);
    },
    media: q,
    addEventListener: (_: string, f: () => void) => listeners.add(f),
    removeEventListener: (_: string, f: () => void) => listeners.delete(f),
  })) as unknown as typeof matchMedia;
  return {
    resize(to: number) {
      w.width = to;
      act(() => listeners.forEach((f) => f()));
    },
  };
}
