// The editor's toolbar as a WAI-ARIA toolbar: one Tab stop (roving tabindex) — the item last
// focused there, else the first — and ← → (wrapping), Home and End move the focus between its
// buttons and links. Its items come from several parts (the run controls, publishing, chat,
// the save state's Retry), so they are found in the DOM, and kept in step as they come, go or
// are disabled. A dialog opened from the toolbar (rendered inside it) keeps its own keys and
// Tab order; a text field or select keeps its arrow keys and its place in the Tab order.

import { type RefObject, useEffect } from 'react';

const ITEMS = 'button, a[href]';

/** The toolbar's items the arrows move between: its enabled buttons and links (not a dialog's). */
export function toolbarItems(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(ITEMS)].filter(
    (el) => !el.matches(':disabled') && !el.closest('[role="dialog"], [hidden]') && el.closest('[role="toolbar"]') === root,
  );
}

/**
 * Makes root (role="toolbar") rove: only its current item is in the Tab order. Returns what
 * undoes it.
 */
export function roveToolbar(root: HTMLElement): () => void {
  let current: HTMLElement | null = null;
  const sync = () => {
    const items = toolbarItems(root);
    if (!current || !items.includes(current)) current = items[0] ?? null;
    for (const el of items) {
      const want = el === current ? 0 : -1;
      if (el.tabIndex !== want) el.tabIndex = want;
    }
  };
  const onFocus = (e: FocusEvent) => {
    const t = e.target as HTMLElement;
    if (t === current || !toolbarItems(root).includes(t)) return;
    current = t;
    sync();
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const items = toolbarItems(root);
    const at = items.indexOf(e.target as HTMLElement);
    if (at < 0) return;
    let next: number;
    switch (e.key) {
      case 'ArrowRight':
        next = (at + 1) % items.length;
        break;
      case 'ArrowLeft':
        next = (at - 1 + items.length) % items.length;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = items.length - 1;
        break;
      default:
        return;
    }
    // the toolbar's: not the canvas's (the arrows move selected nodes there)
    e.preventDefault();
    e.stopPropagation();
    current = items[next]!;
    sync();
    current.focus();
  };
  sync();
  // items come and go (a run starts, Retry shows, publishing loads), or are disabled
  const watch = new MutationObserver(sync);
  watch.observe(root, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled', 'hidden', 'role'] });
  root.addEventListener('focusin', onFocus);
  root.addEventListener('keydown', onKey);
  return () => {
    watch.disconnect();
    root.removeEventListener('focusin', onFocus);
    root.removeEventListener('keydown', onKey);
  };
}

/** roveToolbar on the element ref holds while it is mounted. */
export function useRovingToolbar(ref: RefObject<HTMLElement | null>): void {
  useEffect(() => {
    const root = ref.current;
    if (!root) return;
    return roveToolbar(root);
  }, [ref]);
}
