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
 * Flow shows a node once it has measured it: a few frames), unless the focus went somewhere
 * else meanwhile: it is only taken back from the page's body (where it lands when the focused
 * element went).
 */
export function focusWhenShown(find: () => HTMLElement | SVGElement | null | undefined, frames = 60): void {
  let tries = 0;
  const step = () => {
    const el = find();
    const now = document.activeElement;
    if (now && now !== document.body && now.isConnected && now !== el) return;
    el?.focus();
    if (document.activeElement !== el && ++tries < frames) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}
