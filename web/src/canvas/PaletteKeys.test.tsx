// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../test/fixtures';
import { Palette, searchTypes } from './Palette';

afterEach(cleanup);

describe('palette keys and pointer', () => {
  it('Enter adds the best match even when the list changed under a resting pointer; moving the pointer picks', () => {
    const placed: string[] = [];
    render(<Palette catalog={catalog} onPlace={(id) => placed.push(id)} />);
    const search = screen.getByRole('searchbox', { name: 'Search nodes' });
    fireEvent.change(search, { target: { value: 'resp' } });
    const options = screen.getAllByRole('option');
    // the list re-rendered under a pointer that did not move: nothing is picked by it
    fireEvent.mouseEnter(options[2]!);
    fireEvent.mouseOver(options[2]!);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(placed).toEqual([searchTypes(catalog, 'resp')[0]!.id]);
    // moving the pointer over an item picks it
    fireEvent.mouseMove(options[1]!);
    expect(options[1]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(placed[1]).toBe(options[1]!.getAttribute('data-type-id'));
    // a new search starts at its best match again
    fireEvent.change(search, { target: { value: 'log' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(placed[2]).toBe(searchTypes(catalog, 'log')[0]!.id);
  });
});

describe('palette for a screen reader', () => {
  it('names its list, and the search points at the active node type as ↑ ↓ move it', () => {
    render(<Palette catalog={catalog} onPlace={() => {}} />);
    expect(screen.getByRole('region', { name: 'Node palette' })).toBeTruthy();
    const list = screen.getByRole('listbox', { name: 'Node types' });
    const search = screen.getByRole('searchbox', { name: 'Search nodes' });
    expect(search.getAttribute('aria-controls')).toBe(list.id);
    fireEvent.change(search, { target: { value: 'resp' } });
    const options = screen.getAllByRole('option');
    expect(search.getAttribute('aria-activedescendant')).toBe(options[0]!.id);
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(search.getAttribute('aria-activedescendant')).toBe(options[1]!.id);
    expect(document.getElementById(search.getAttribute('aria-activedescendant')!)?.getAttribute('aria-selected')).toBe('true');
    fireEvent.change(search, { target: { value: 'no such node anywhere' } });
    expect(search.getAttribute('aria-activedescendant')).toBeNull();
  });
});

describe('Escape in the palette', () => {
  it('clears the search first, then hands the focus to where the editor says (the canvas)', () => {
    let left = 0;
    render(<Palette catalog={catalog} onPlace={() => {}} onLeave={() => left++} />);
    const search = screen.getByRole('searchbox', { name: 'Search nodes' }) as HTMLInputElement;
    search.focus();
    fireEvent.change(search, { target: { value: 'log' } });
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(search.value).toBe('');
    expect(left).toBe(0);
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(left).toBe(1);
  });
});

describe('palette option names', () => {
  it('say a trigger once: "HTTP route, trigger", "Chat trigger" (not "Chat trigger trigger")', () => {
    render(<Palette catalog={catalog} onPlace={() => {}} />);
    const list = screen.getByRole('listbox', { name: 'Node types' });
    expect(list.querySelector('[data-type-id="trigger.route"]')?.getAttribute('aria-label')).toBe('HTTP route, trigger');
    expect(list.querySelector('[data-type-id="ai.chat_trigger"]')?.getAttribute('aria-label')).toBe('Chat trigger');
    expect(list.querySelector('[data-type-id="debug.log"]')?.getAttribute('aria-label')).toBe('Log');
    expect(screen.queryAllByRole('option', { name: /trigger trigger/ })).toHaveLength(0);
  });
});
