// @vitest-environment jsdom
// On a phone-sized window the node palette took half of it (232 of 480 px): there it is a rail
// whose + opens it over the canvas, closed by its «, Escape, a click beside it or placing a node.
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editor';
import { catalog, doc } from '../test/fixtures';
import { fakeWindow, installResizeObserver } from '../test/shell';
import { EditorScreen } from './EditorScreen';

beforeAll(installResizeObserver);


const saved = globalThis.matchMedia;
afterEach(() => {
  cleanup();
  globalThis.matchMedia = saved;
});

function renderEditor() {
  const store = createEditorStore(catalog, doc([]));
  render(<EditorScreen store={store} title="Flow" theme="light" onTheme={() => undefined} />);
  return store;
}

const palette = () => screen.queryByRole('region', { name: 'Node palette' });
const opener = () => screen.getByRole('button', { name: 'Node palette' });

// (a busy machine: a full editor takes its time to render)
describe('the node palette on a phone-sized window', { timeout: 30000 }, () => {
  it('is beside the canvas on a wide window, with no rail', () => {
    fakeWindow(1400);
    renderEditor();
    expect(palette()).not.toBeNull();
    expect(screen.queryByRole('button', { name: 'Node palette' })).toBeNull();
  });

  it('starts closed at 480 px; its + opens it over the canvas with the keyboard in its search; « and Escape close it, back on the +', () => {
    fakeWindow(480);
    renderEditor();
    expect(palette()).toBeNull();
    expect(opener().getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(opener());
    expect(palette()).not.toBeNull();
    expect(opener().getAttribute('aria-expanded')).toBe('true');
    expect(palette()!.closest('.ps-palette-over')).not.toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search nodes' }));

    fireEvent.click(screen.getByRole('button', { name: 'Hide the node palette' }));
    expect(palette()).toBeNull();
    expect(document.activeElement).toBe(opener());

    // Escape: the search's text goes first, then the palette
    fireEvent.click(opener());
    const search = screen.getByRole('searchbox', { name: 'Search nodes' });
    fireEvent.change(search, { target: { value: 'log' } });
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(palette()).not.toBeNull();
    expect((search as HTMLInputElement).value).toBe('');
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(palette()).toBeNull();
    expect(document.activeElement).toBe(opener());

    // Escape on its « closes it too
    fireEvent.click(opener());
    fireEvent.keyDown(screen.getByRole('button', { name: 'Hide the node palette' }), { key: 'Escape' });
    expect(palette()).toBeNull();
  });

  it('closes on a click beside it, and after placing a node, which is added', () => {
    fakeWindow(480);
    const store = renderEditor();
    fireEvent.click(opener());
    fireEvent.click(document.querySelector('.ps-palette-backdrop')!);
    expect(palette()).toBeNull();
    expect(store.getState().doc.nodes).toHaveLength(0);

    fireEvent.click(opener());
    const log = within(palette()!).getAllByRole('option')[0]!;
    fireEvent.click(log);
    expect(store.getState().doc.nodes).toHaveLength(1);
    expect(palette()).toBeNull();
  });

  it('opens with / (the palette search shortcut) and follows the window across 768 px', () => {
    const win = fakeWindow(480);
    renderEditor();
    fireEvent.keyDown(window, { key: '/' });
    expect(palette()).not.toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('searchbox', { name: 'Search nodes' }));
    win.resize(1000);
    expect(palette()).not.toBeNull();
    expect(palette()!.closest('.ps-palette-over')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Node palette' })).toBeNull();
    win.resize(480);
    expect(palette()).toBeNull();
  });
});
