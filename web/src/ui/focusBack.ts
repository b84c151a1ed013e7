// A panel that closes while the focus is in it (Escape, its ✕) takes the focus with it, which
// left keyboard users on the page's body; useFocusBack gives it to the control that opens the
// panel instead (its toolbar button), once the panel is gone.

import { useEffect, useRef } from 'react';

/** When open turns false and the focus was lost (on the body), focuses what target() finds. */
export function useFocusBack(open: boolean, target: () => HTMLElement | null | undefined): void {
  const was = useRef(open);
  const find = useRef(target);
  find.current = target;
  useEffect(() => {
    const closed = was.current && !open;
    was.current = open;
    if (!closed) return;
    const now = document.activeElement;
    if (now && now !== document.body && now.isConnected) return;
    find.current()?.focus();
  }, [open]);
}
