// Whether the project panel (the flows and settings on the left) is shown. It takes 230 px the
// editor needs on a narrow window (the editor is at least 960 px wide, so under about 1200 px
// its toolbar actions and the inspector ended up off-screen, behind a horizontal scroll): it
// can be hidden to a slim rail, starts hidden on a narrow window, and the choice is remembered.

import { useState } from 'react';

const KEY = 'ps.projectPanel';

/** Narrower than this, the panel starts hidden (until the person shows it). */
export const NARROW = '(max-width: 1199px)';

/** Whether the panel starts shown: the remembered choice, else not on a narrow window. */
export function sidePanelShown(storage: Pick<Storage, 'getItem'> | null, narrow: () => boolean): boolean {
  const saved = storage?.getItem(KEY);
  if (saved === 'shown') return true;
  if (saved === 'hidden') return false;
  return !narrow();
}

const isNarrow = () => typeof matchMedia === 'function' && matchMedia(NARROW).matches;
const store = () => (typeof localStorage !== 'undefined' ? localStorage : null);

export function useSidePanel(): [boolean, (shown: boolean) => void] {
  const [shown, setShown] = useState(() => sidePanelShown(store(), isNarrow));
  return [
    shown,
    (s) => {
      store()?.setItem(KEY, s ? 'shown' : 'hidden');
      setShown(s);
    },
  ];
}
