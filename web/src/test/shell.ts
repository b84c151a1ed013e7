// What tests of the app shell share: a live socket that never sends, the layout stand-in
// React Flow needs under jsdom, and flow rows as the API lists them.
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
