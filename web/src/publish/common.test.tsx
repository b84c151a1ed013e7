// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { useRef } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { useKeyboardBackAfter } from './common';

afterEach(cleanup);

function Saver({ busy }: { busy: boolean }) {
  const ref = useRef<HTMLButtonElement>(null);
  useKeyboardBackAfter(busy, ref);
  return (
    <>
      <input aria-label="other" />
      <button ref={ref} type="button" disabled={busy}>
        Save
      </button>
    </>
  );
}

describe('useKeyboardBackAfter', () => {
  it('gives the keyboard back to the button in the commit that ends the wait, not a frame later', () => {
    const { rerender, getByText } = render(<Saver busy={true} />);
    (document.activeElement as HTMLElement | null)?.blur();
    expect(document.activeElement).toBe(document.body);
    rerender(<Saver busy={false} />);
    // checked at once: an answer shown in this commit finds the keyboard already back
    expect(document.activeElement).toBe(getByText('Save'));
  });

  it('leaves the keyboard where the user put it meanwhile', () => {
    const { rerender, getByLabelText } = render(<Saver busy={true} />);
    getByLabelText('other').focus();
    rerender(<Saver busy={false} />);
    expect(document.activeElement).toBe(getByLabelText('other'));
  });

  it('does nothing when no wait ended', () => {
    const { rerender } = render(<Saver busy={false} />);
    rerender(<Saver busy={false} />);
    expect(document.activeElement).toBe(document.body);
  });
});
