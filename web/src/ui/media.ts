// Whether the window matches a media query, kept current as it is resized.

import { useEffect, useState } from 'react';

/** A phone-sized window: there the project panel (shell/sidePanel.ts) and the node palette
 * (editor/EditorScreen.tsx) open over the editor instead of taking the room the canvas has left
 * (at 480 px they filled the width). The one definition of this width: the stylesheets do not
 * repeat it (sidePanel.css styles a class the hook sets), and media.test.ts keeps it so. */
export const PHONE = '(max-width: 767px)';

const matches = (q: string) => typeof matchMedia === 'function' && matchMedia(q).matches;

/** Whether the window matches the query now, re-rendering when that changes. */
export function useMediaQuery(query: string): boolean {
  const [now, setNow] = useState(() => matches(query));
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia(query);
    const changed = () => setNow(q.matches);
    changed();
    q.addEventListener?.('change', changed);
    return () => q.removeEventListener?.('change', changed);
  }, [query]);
  return now;
}
