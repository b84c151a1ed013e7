// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useRef, useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { focusableIn, Modal } from './Modal';

afterEach(cleanup);

function Page({ onClose, answerOnly }: { onClose?: () => void; answerOnly?: boolean }) {
  const [open, setOpen] = useState(false);
  const second = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Open
      </button>
      {open ? (
        <Modal
          labelledBy="t"
          initialFocus={answerOnly ? undefined : second}
          onClose={
            answerOnly
              ? undefined
              : () => {
                  onClose?.();
                  setOpen(false);
                }
          }
        >
          <h2 id="t">Rename</h2>
          <input aria-label="first" />
          <input aria-label="second" ref={second} />
          <input aria-label="hidden" type="hidden" />
          <button type="button" disabled>
            Disabled
          </button>
          <div aria-hidden="true">
            <button type="button">Behind</button>
          </div>
          <button type="button" onClick={() => setOpen(false)}>
            Done
          </button>
        </Modal>
      ) : null}
    </>
  );
}

const tab = (shift = false) => fireEvent.keyDown(document.activeElement as Element, { key: 'Tab', shiftKey: shift });

describe('modal dialog', () => {
  it('moves focus in, keeps Tab and Shift+Tab inside, closes on Escape and gives focus back', () => {
    const onClose = vi.fn();
    render(<Page onClose={onClose} />);
    const opener = screen.getByRole('button', { name: 'Open' });
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Rename' });
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.activeElement).toBe(screen.getByLabelText('second'));
    // only what Tab can reach: no hidden input, disabled button or aria-hidden control
    expect(focusableIn(dialog).map((e) => e.getAttribute('aria-label') ?? e.textContent)).toEqual(['first', 'second', 'Done']);
    tab();
    expect(document.activeElement?.textContent).toBe('Done');
    tab();
    expect(document.activeElement).toBe(screen.getByLabelText('first'));
    tab(true);
    expect(document.activeElement?.textContent).toBe('Done');
    tab(true);
    tab(true);
    expect(document.activeElement).toBe(screen.getByLabelText('first'));
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('must be answered when it cannot be closed, and leaves keys a control used alone', () => {
    render(<Page answerOnly />);
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect(document.activeElement).toBe(screen.getByLabelText('first'));
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(screen.getByRole('dialog')).toBeTruthy();
    // a control that handles Tab itself (a code editor indenting) keeps focus
    const first = screen.getByLabelText('first');
    first.addEventListener('keydown', (e) => e.preventDefault(), { once: true });
    tab();
    expect(document.activeElement).toBe(first);
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('leaves out of Tab the controls of a disabled fieldset (a read-only form)', () => {
    render(
      <Modal label="Settings" onClose={() => undefined}>
        <fieldset disabled>
          <input aria-label="name" />
          <select aria-label="kind">
            <option>a</option>
          </select>
          <button type="button">Save</button>
        </fieldset>
        <button type="button">Close</button>
      </Modal>,
    );
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    expect(focusableIn(dialog).map((e) => e.getAttribute('aria-label') ?? e.textContent)).toEqual(['Close']);
    expect(document.activeElement?.textContent).toBe('Close');
    tab();
    expect(document.activeElement?.textContent).toBe('Close');
  });
});
