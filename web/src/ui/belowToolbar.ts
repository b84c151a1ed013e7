// The publishing and chat panels lie over the editor from just below its toolbar. The toolbar
// is one row on a wide window and wraps to two (or more) on a narrower one or with a long
// title, so where it ends is measured, not assumed: the box holding the editor and the panels
// gets `--ps-toolbar-bottom` (the toolbar's bottom edge, from the box's top), kept current as
// the toolbar changes size; the panels' stylesheets read it (45 px, one row, until measured).

import { type RefObject, useLayoutEffect } from 'react';

export const TOOLBAR_BOTTOM = '--ps-toolbar-bottom';

/**
 * Sets TOOLBAR_BOTTOM on box from the toolbar inside it (found by selector) now and whenever
 * the toolbar or the box changes size; returns what stops it.
 */
export function trackToolbarBottom(box: HTMLElement, selector = '.ps-toolbar'): () => void {
  const measure = () => {
    const toolbar = box.querySelector<HTMLElement>(selector);
    if (!toolbar) return;
    const bottom = toolbar.getBoundingClientRect().bottom - box.getBoundingClientRect().top;
    // no layout (hidden, or a document without one): keep what the stylesheet assumes
    if (bottom > 0) box.style.setProperty(TOOLBAR_BOTTOM, `${Math.ceil(bottom)}px`);
  };
  measure();
  if (typeof ResizeObserver === 'undefined') return () => undefined;
  const ro = new ResizeObserver(measure);
  ro.observe(box);
  const toolbar = box.querySelector<HTMLElement>(selector);
  if (toolbar) ro.observe(toolbar);
  return () => ro.disconnect();
}

/** trackToolbarBottom for the box a ref holds, while it is mounted. */
export function useToolbarBottom(box: RefObject<HTMLElement | null>, selector = '.ps-toolbar'): void {
  useLayoutEffect(() => (box.current ? trackToolbarBottom(box.current, selector) : undefined), [box, selector]);
}
