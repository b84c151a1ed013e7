// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfirmButton, Screen } from './common';

afterEach(cleanup);

function List({ start }: { start: string[] }) {
  const [items, setItems] = useState(start);
  return (
    <Screen title="Things" intro="A list">
      {items.length ? (
        <ul>
          {items.map((k) => (
            <li key={k}>
              <strong>{k}</strong>
              <ConfirmButton label="Delete" accessibleName={`Delete ${k}`} question={`Delete ${k}?`} onConfirm={async () => setItems((l) => l.filter((x) => x !== k))} />
            </li>
          ))}
        </ul>
      ) : (
        <p>None left.</p>
      )}
    </Screen>
  );
}

/** Presses Delete then confirms, for the item k. */
async function remove(k: string) {
  fireEvent.click(screen.getByRole('button', { name: `Delete ${k}` }));
  const confirm = screen.getByRole('group', { name: `Confirm: Delete ${k}` }).querySelector('button')!;
  expect(document.activeElement).toBe(confirm);
  await act(async () => fireEvent.click(confirm));
}

describe('the focus after a confirmed delete in a list', () => {
  it('goes to the row now in its place, the one before at the end, and the screen heading once the list is gone', async () => {
    render(<List start={['a', 'b', 'c']} />);
    await remove('b');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete c' })));
    await remove('c');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Delete a' })));
    await remove('a');
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Things' })));
  });

  it('goes back to the button asked again when its row stays (the action kept it)', async () => {
    render(
      <ul>
        <li>
          <ConfirmButton label="Reset" accessibleName="Reset x" question="Reset x?" onConfirm={async () => undefined} />
        </li>
      </ul>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Reset x' }));
    await act(async () => fireEvent.click(screen.getByRole('group', { name: 'Confirm: Reset x' }).querySelector('button')!));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Reset x' })));
  });
});
