// @vitest-environment jsdom
// The router's blockers: a navigation (a link, a closed tab, the back button) that a screen with
// unsaved edits holds, carried out once the user agrees, not at all when they stay.
import { afterEach, describe, expect, it } from 'vitest';
import { blockNavigation, navigate, whenLeaving } from './router';

const popped = () => new Promise<void>((r) => window.addEventListener('popstate', () => setTimeout(r, 0), { once: true }));

let off: (() => void) | null = null;
afterEach(() => {
  off?.();
  off = null;
});

describe('navigating past a blocker', () => {
  it('holds a navigation until the blocker proceeds, which does not ask again', () => {
    navigate('/p/P1/f/A');
    let held: (() => void) | null = null;
    let asked = 0;
    off = blockNavigation((proceed) => {
      asked++;
      held = proceed;
      return true;
    });
    navigate('/p/P1/f/B');
    expect(location.pathname).toBe('/p/P1/f/A');
    expect(asked).toBe(1);
    held!();
    expect(location.pathname).toBe('/p/P1/f/B');
    expect(asked).toBe(1);
  });

  it('lets a navigation through when the blocker does not hold it, or when forced', () => {
    navigate('/p/P1/f/A');
    off = blockNavigation(() => false);
    navigate('/p/P1/f/B');
    expect(location.pathname).toBe('/p/P1/f/B');
    off();
    off = blockNavigation(() => true);
    navigate('/p/P1/f/C', { force: true });
    expect(location.pathname).toBe('/p/P1/f/C');
  });

  it('holds an action that leaves (closing the open tab), with what it navigates to', () => {
    navigate('/p/P1/f/A');
    let held: (() => void) | null = null;
    off = blockNavigation((proceed) => ((held = proceed), true));
    const done: string[] = [];
    whenLeaving(() => {
      done.push('closed');
      navigate('/p/P1');
    });
    expect(done).toEqual([]);
    held!();
    expect(done).toEqual(['closed']);
    expect(location.pathname).toBe('/p/P1');
  });

  it('puts a held back step back, and takes it when the blocker proceeds', async () => {
    navigate('/p/P1/f/A');
    navigate('/p/P1/f/B');
    let held: (() => void) | null = null;
    off = blockNavigation((proceed) => ((held = proceed), true));
    const back = popped();
    history.back();
    await back;
    // the app put it back
    await popped();
    expect(location.pathname).toBe('/p/P1/f/B');
    expect(held).not.toBeNull();
    const again = popped();
    held!();
    await again;
    expect(location.pathname).toBe('/p/P1/f/A');
  });
});
