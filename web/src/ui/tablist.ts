// The keys of a tab list (WAI-ARIA tabs pattern): ← → move between the tabs (wrapping), Home and
// End go to the first and last; with `activate` the tab reached is chosen at once (its click),
// else Enter or Space chooses it. Only the chosen tab is in the Tab order (tabIndex), so Tab
// goes from the tabs to what follows them.

import type { KeyboardEvent } from 'react';

/** The tabIndex of a tab: 0 for the chosen one, -1 for the others (reached with the arrows). */
export const tabIndexOf = (selected: boolean): 0 | -1 => (selected ? 0 : -1);

/** The onKeyDown of an element with role="tablist". */
export function onTablistKey(e: KeyboardEvent<HTMLElement>, activate = true): void {
  const tabs = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="tab"]')].filter((t) => !t.matches(':disabled'));
  const at = tabs.indexOf(e.target as HTMLElement);
  if (at < 0 || !tabs.length) return;
  let next: number;
  switch (e.key) {
    case 'ArrowRight':
      next = (at + 1) % tabs.length;
      break;
    case 'ArrowLeft':
      next = (at - 1 + tabs.length) % tabs.length;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = tabs.length - 1;
      break;
    default:
      return;
  }
  e.preventDefault();
  e.stopPropagation();
  const tab = tabs[next]!;
  tab.focus();
  if (activate && tab.getAttribute('aria-selected') !== 'true') tab.click();
}
