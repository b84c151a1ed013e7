// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PortSpec } from '../model/catalog';
import { PortEditor } from './editors';

afterEach(cleanup);

function Field({ port, start }: { port: PortSpec; start: unknown }) {
  const [value, setValue] = useState<unknown>(start);
  return <PortEditor port={port} value={value} onChange={setValue} ctx={{ nodes: [] }} secretKeys={[]} envKeys={[]} />;
}

describe('rows of a dict input and items of a list input', () => {
  it('name their buttons for a screen reader by input and row (they read "↑" and "✕"), and a new row takes the focus', async () => {
    render(<Field port={{ name: 'headers', type: 'object', editor: 'dict', templated: true }} start={[{ key: 'a', type: 'string', value: '1' }]} />);
    expect(screen.getByRole('button', { name: 'Move headers row 1 up' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Remove headers row 1' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: '✕' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: '+ Add row' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'headers row 2 key' })));
    fireEvent.click(screen.getByRole('button', { name: 'Remove headers row 2' }));
    expect(screen.queryByRole('textbox', { name: 'headers row 2 key' })).toBeNull();
  });

  it('names a list item’s remove button', () => {
    render(<Field port={{ name: 'cookies', type: 'list', editor: 'list', templated: true }} start={['x=1', 'y=2']} />);
    expect(screen.getByRole('button', { name: 'Remove cookies item 2' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove cookies item 1' }));
    expect(screen.queryByRole('button', { name: 'Remove cookies item 2' })).toBeNull();
  });
});
