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

  it('says why a row key is marked: empty, or taken by an earlier row (it was only a red border)', () => {
    render(
      <Field
        port={{ name: 'fields', type: 'object', editor: 'dict', templated: true }}
        start={[
          { key: 'id', type: 'string', value: '1' },
          { key: '', type: 'string', value: '2' },
          { key: 'id', type: 'string', value: '3' },
        ]}
      />,
    );
    const said = (n: number) => {
      const key = screen.getByRole('textbox', { name: `fields row ${n} key` });
      return key.getAttribute('aria-invalid') === 'true' ? document.getElementById(key.getAttribute('aria-describedby')!)?.textContent : null;
    };
    expect(said(1)).toBeNull();
    expect(said(2)).toBe('Row 2 has no key: give it one, or remove the row.');
    expect(said(3)).toBe('Row 3\'s key "id" is also row 1\'s: only one of them counts.');
  });

  it('hands the focus on after a remove button takes itself away: to the row now in its place, the one before, then + Add', async () => {
    render(<Field port={{ name: 'headers', type: 'object', editor: 'dict', templated: true }} start={[{ key: 'a', value: '1' }, { key: 'b', value: '2' }]} />);
    fireEvent.click(screen.getByRole('button', { name: 'Remove headers row 1' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove headers row 1' })));
    expect((screen.getByRole('textbox', { name: 'headers row 1 key' }) as HTMLInputElement).value).toBe('b');
    fireEvent.click(screen.getByRole('button', { name: 'Remove headers row 1' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: '+ Add row' })));
    cleanup();

    render(<Field port={{ name: 'cookies', type: 'list', editor: 'list', templated: true }} start={['x=1', 'y=2']} />);
    fireEvent.click(screen.getByRole('button', { name: 'Remove cookies item 2' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove cookies item 1' })));
  });

  it('goes from Use expression back to items with the expression toggle (only emptying the text did)', () => {
    render(<Field port={{ name: 'keys', type: 'list', editor: 'list', templated: true }} start={['a']} />);
    fireEvent.click(screen.getByRole('button', { name: 'Use expression' }));
    expect((screen.getByRole('textbox', { name: 'keys' }) as HTMLInputElement).value).toBe('{{  }}');
    const toggle = screen.getByRole('button', { name: 'Expression for keys' });
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(toggle);
    expect(screen.queryByRole('textbox', { name: 'keys' })).toBeNull();
    expect(screen.getByRole('button', { name: '+ Add item' })).toBeTruthy();
  });

  it('names a list item’s remove button', () => {
    render(<Field port={{ name: 'cookies', type: 'list', editor: 'list', templated: true }} start={['x=1', 'y=2']} />);
    expect(screen.getByRole('button', { name: 'Remove cookies item 2' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove cookies item 1' }));
    expect(screen.queryByRole('button', { name: 'Remove cookies item 2' })).toBeNull();
  });
});
