// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ShortcutSheet } from './ShortcutSheet';

afterEach(cleanup);

describe('the keyboard shortcut sheet', () => {
  it('reads a shortcut with two keys as one or the other, not run together', () => {
    render(<ShortcutSheet onClose={() => {}} mac={false} />);
    const sheet = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(sheet).toBeTruthy();
    expect(screen.getByRole('row', { name: 'Ctrl+Shift+Z or Ctrl+Y Redo' })).toBeTruthy();
    expect(screen.getByRole('row', { name: 'Delete or Backspace Delete the selection' })).toBeTruthy();
    expect(screen.getByRole('row', { name: 'Ctrl+Z Undo' })).toBeTruthy();
    expect(screen.queryByRole('row', { name: /Ctrl\+Shift\+ZCtrl\+Y/ })).toBeNull();
  });
});
