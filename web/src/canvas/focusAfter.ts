// Where the keyboard focus goes when the focused node on the canvas is deleted: it went to the
// page's body, so the next Tab started over at the top bar and the canvas keys stopped working.

/**
 * The node to focus after `focused` went: the first one after it (in the canvas's order before
 * the delete) that is still there, else the last one before it; null when none is left.
 */
export function focusAfterRemoval(order: readonly string[], focused: string, present: ReadonlySet<string>): string | null {
  const i = order.indexOf(focused);
  if (i < 0) return null;
  for (let j = i + 1; j < order.length; j++) if (present.has(order[j]!)) return order[j]!;
  for (let j = i - 1; j >= 0; j--) if (present.has(order[j]!)) return order[j]!;
  return null;
}

/**
 * Gives the keyboard focus to the element find() returns once it is there and focusable (React
 * Flow shows a node once it has measured it: a few frames; a flow's tab once the flow it opens
 * is chosen), unless the person goes on meanwhile (a key, a pointer press): the focus the
 * action left on the page's body, on its own button or where a closing dialog put it back is
 * taken, theirs is not.
 */
export function focusWhenShown(find: () => HTMLElement | SVGElement | null | undefined, frames = 60): void {
  let moved = false;
  const onInput = () => (moved = true);
  window.addEventListener('keydown', onInput, true);
  window.addEventListener('pointerdown', onInput, true);
  const done = () => {
    window.removeEventListener('keydown', onInput, true);
    window.removeEventListener('pointerdown', onInput, true);
  };
  let tries = 0;
  const step = () => {
    if (moved) return done();
    const el = find();
    if (el && document.activeElement !== el) el.focus();
    if ((el && document.activeElement === el) || ++tries >= frames) return done();
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

/** The first element under root matching selector whose attribute is value (no CSS escaping:
 * ids and paths hold characters a selector would need escaped, and jsdom has no CSS.escape). */
export function findByAttr(root: ParentNode | null | undefined, selector: string, attr: string, value: string): HTMLElement | null {
  if (!root) return null;
  for (const el of root.querySelectorAll<HTMLElement>(selector)) if (el.getAttribute(attr) === value) return el;
  return null;
}
