// Whether the project panel (the flows and settings on the left) is shown. It takes 230 px the
// editor needs on a narrow window (the editor is at least 960 px wide, so under about 1200 px
// its toolbar actions and the inspector ended up off-screen, behind a horizontal scroll): it
// can be hidden to a slim rail, starts hidden on a narrow window, and the choice is remembered.
// On a phone-sized window (PHONE, ui/media.ts) it took the room the canvas had left (at 480 px the panel
// and the palette filled the width): there it opens over the editor, beside its rail, and
// closes again (its «, Escape, a click beside it, or opening what it links to); it always
// starts closed there, and opening it there is not remembered for wider windows.

import { useEffect, useState } from 'react';
import { PHONE } from '../ui/media';

const KEY = 'ps.projectPanel';

/** Narrower than this, the panel starts hidden (until the person shows it). */
export const NARROW = '(max-width: 1199px)';


/** Whether the panel starts shown: closed where it would cover the editor, else the remembered choice, else not on a narrow window. */
export function sidePanelShown(storage: Pick<Storage, 'getItem'> | null, narrow: () => boolean, overlay: () => boolean = () => false): boolean {
  if (overlay()) return false;
  const saved = storage?.getItem(KEY);
  if (saved === 'shown') return true;
  if (saved === 'hidden') return false;
  return !narrow();
}

const matches = (q: string) => typeof matchMedia === 'function' && matchMedia(q).matches;
const isNarrow = () => matches(NARROW);
// narrower than a phone's width, the panel opens over the editor instead of beside it
const isOverlay = () => matches(PHONE);
const store = () => (typeof localStorage !== 'undefined' ? localStorage : null);

/**
 * [shown, show, overlay]: overlay is whether the window is narrow enough that the panel opens
 * over the editor (kept current as the window is resized; leaving it shows the panel as chosen).
 */
export function useSidePanel(): [boolean, (shown: boolean) => void, boolean] {
  const [shown, setShown] = useState(() => sidePanelShown(store(), isNarrow, isOverlay));
  const [overlay, setOverlay] = useState(isOverlay);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia(PHONE);
    const changed = () => {
      setOverlay(q.matches);
      // widened again: as chosen for wider windows (narrowed, a shown panel moves over the
      // editor, to be closed like any there: a sheet over the window, the chat's, stays above it)
      if (!q.matches) setShown(sidePanelShown(store(), isNarrow));
    };
    q.addEventListener?.('change', changed);
    return () => q.removeEventListener?.('change', changed);
  }, []);
  return [
    shown,
    (s) => {
      // over the editor it is a passing look, not a choice for wider windows
      if (!isOverlay()) store()?.setItem(KEY, s ? 'shown' : 'hidden');
      setShown(s);
    },
    overlay,
  ];
}
