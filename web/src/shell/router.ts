// A tiny history router: the location path is the state; navigate pushes, the back button pops.
//
// A screen holding unsaved edits that leaving would lose (the publishing panel's route or
// schedule form) registers a blocker: navigating away — a link, a tab, the back button — asks
// it first, and it answers later (its own Discard / Keep editing) by running what was held back.

import { useSyncExternalStore } from 'react';

const EVENT = 'ps:navigate';

/**
 * Asked before the app leaves the page's path. Returns true to hold the navigation: `proceed`
 * then carries it out (without asking again) when the user agrees; not calling it stays.
 */
export type Blocker = (proceed: () => void) => boolean;

const blockers = new Set<Blocker>();
// a navigation being carried out after a blocker agreed: not asked again
let passing = false;

/** Registers a blocker; returns its removal. */
export function blockNavigation(b: Blocker): () => void {
  blockers.add(b);
  return () => {
    blockers.delete(b);
  };
}

const pass = (action: () => void) => () => {
  passing = true;
  try {
    action();
  } finally {
    passing = false;
  }
};

/**
 * Runs `action` (something that leaves the page: navigating, closing the open flow's tab) now,
 * or — when a blocker holds it — once the user agrees, not at all when they stay.
 */
export function whenLeaving(action: () => void): void {
  if (!passing) for (const b of blockers) if (b(pass(action))) return;
  action();
}

// each entry the app pushes carries its position, so a back or forward step that a blocker
// holds can be undone (and redone) by the same distance
const posOf = (s: unknown) => (typeof s === 'object' && s !== null && typeof (s as { psPos?: unknown }).psPos === 'number' ? (s as { psPos: number }).psPos : 0);
let pos = typeof history !== 'undefined' ? posOf(history.state) : 0;
// the path the app shows while a held back/forward step is being undone
let holding: string | null = null;
// the popstate the app causes itself: 'undo' puts a held step back, 'redo' carries it out
let awaiting: 'undo' | 'redo' | null = null;

export function navigate(path: string, opts: { replace?: boolean; force?: boolean } = {}): void {
  if (path === location.pathname) return;
  const go = () => {
    if (opts.replace) history.replaceState({ psPos: pos }, '', path);
    else history.pushState({ psPos: ++pos }, '', path);
    window.dispatchEvent(new Event(EVENT));
  };
  if (opts.force) go();
  else whenLeaving(go);
}

function onPop(e: PopStateEvent) {
  const to = posOf(e.state);
  const delta = to - pos;
  if (awaiting === 'undo') {
    // back where the app was: nothing changed for it
    awaiting = null;
    holding = null;
    return;
  }
  const accept = () => {
    pos = to;
    window.dispatchEvent(new Event(EVENT));
  };
  if (awaiting === 'redo' || passing || delta === 0) {
    awaiting = null;
    return accept();
  }
  for (const b of blockers) {
    const held = b(() => {
      awaiting = 'redo';
      history.go(delta);
    });
    if (held) {
      holding = shown;
      awaiting = 'undo';
      history.go(-delta);
      return;
    }
  }
  accept();
}

// the path last shown (what a held step keeps showing)
let shown = typeof location !== 'undefined' ? location.pathname : '/';
if (typeof window !== 'undefined') window.addEventListener('popstate', onPop);

function subscribe(f: () => void): () => void {
  window.addEventListener(EVENT, f);
  return () => window.removeEventListener(EVENT, f);
}

function snapshot(): string {
  if (holding !== null) return holding;
  shown = location.pathname;
  return shown;
}

/** The current location path; re-renders on navigation. */
export function usePath(): string {
  return useSyncExternalStore(subscribe, snapshot);
}
