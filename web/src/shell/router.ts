// A tiny history router: the location path is the state; navigate pushes, the back button pops.

import { useSyncExternalStore } from 'react';

const EVENT = 'ps:navigate';

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (path === location.pathname) return;
  if (opts.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(EVENT));
}

function subscribe(f: () => void): () => void {
  window.addEventListener('popstate', f);
  window.addEventListener(EVENT, f);
  return () => {
    window.removeEventListener('popstate', f);
    window.removeEventListener(EVENT, f);
  };
}

/** The current location path; re-renders on navigation. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}
