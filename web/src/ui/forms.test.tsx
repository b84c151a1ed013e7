// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { expect, test, vi } from 'vitest';
import { submitWith } from './forms';

test('submitWith runs the action and keeps the browser from sending the form', () => {
  const run = vi.fn(() => Promise.resolve());
  render(
    <form aria-label="f" onSubmit={submitWith(run)}>
      <button type="submit">Go</button>
    </form>,
  );
  const ev = new Event('submit', { bubbles: true, cancelable: true });
  fireEvent(screen.getByRole('form', { name: 'f' }), ev);
  expect(run).toHaveBeenCalledTimes(1);
  expect(ev.defaultPrevented).toBe(true);
  fireEvent.click(screen.getByRole('button', { name: 'Go' }));
  expect(run).toHaveBeenCalledTimes(2);
});
