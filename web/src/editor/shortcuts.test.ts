import { describe, expect, it } from 'vitest';
import { displayKeys, type KeyLike, shortcutFor } from './shortcuts';

const k = (key: string, mods: Partial<KeyLike> = {}): KeyLike => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('shortcutFor', () => {
  it.each([
    [k('z', { ctrlKey: true }), false, 'undo'],
    [k('Z', { ctrlKey: true, shiftKey: true }), false, 'redo'],
    [k('y', { ctrlKey: true }), false, 'redo'],
    [k('z', { metaKey: true }), true, 'undo'],
    [k('z', { ctrlKey: true }), true, null],
    [k('Delete'), false, 'delete'],
    [k('Backspace'), false, 'delete'],
    [k('d', { ctrlKey: true }), false, 'duplicate'],
    [k('a', { ctrlKey: true }), false, 'selectAll'],
    [k('f'), false, 'fitView'],
    [k('f', { ctrlKey: true }), false, null],
    [k('L', { shiftKey: true }), false, 'autoLayout'],
    [k('l'), false, null],
    [k('?', { shiftKey: true }), false, 'shortcuts'],
    [k('/'), false, 'focusPalette'],
    [k('ArrowLeft'), false, null],
    [k('Escape'), false, 'clearSelection'],
    [k('z', { ctrlKey: true, altKey: true }), false, null],
    [k('x'), false, null],
    [k('c'), false, 'connect'],
    [k('C'), false, 'connect'],
    [k('c', { ctrlKey: true }), false, null],
  ])('%j (mac %s) → %s', (e, mac, action) => {
    expect(shortcutFor(e, mac)).toBe(action);
  });

  it('shows Mod as the platform key', () => {
    expect(displayKeys('Mod+Shift+Z', true)).toBe('⌘+Shift+Z');
    expect(displayKeys('Mod+Z', false)).toBe('Ctrl+Z');
  });
});
