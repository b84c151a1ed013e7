// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { findByAttr, focusAfterRemoval } from './focusAfter';

describe('focus after deleting the focused node', () => {
  it('goes to the next node still there, else the one before, else nowhere', () => {
    const order = ['a', 'b', 'c', 'd'];
    expect(focusAfterRemoval(order, 'b', new Set(['a', 'c', 'd']))).toBe('c');
    // the next ones went too (a multiple selection): the one before
    expect(focusAfterRemoval(order, 'c', new Set(['a']))).toBe('a');
    expect(focusAfterRemoval(order, 'd', new Set(['a', 'b', 'c']))).toBe('c');
    expect(focusAfterRemoval(order, 'a', new Set())).toBeNull();
    expect(focusAfterRemoval(order, 'x', new Set(['a']))).toBeNull();
  });
});

describe('findByAttr', () => {
  it('finds by an attribute value a selector would need escaped (jsdom has no CSS.escape)', () => {
    document.body.innerHTML = '<div class="n" data-id="a:true_path->b:node"></div><div class="n" data-id="group:g1"></div><a class="l" href="/p/1/f/x y"></a>';
    expect(findByAttr(document, '.n', 'data-id', 'group:g1')?.getAttribute('data-id')).toBe('group:g1');
    expect(findByAttr(document, '.n', 'data-id', 'a:true_path->b:node')).not.toBeNull();
    expect(findByAttr(document, 'a.l', 'href', '/p/1/f/x y')).not.toBeNull();
    expect(findByAttr(document, '.n', 'data-id', 'nope')).toBeNull();
    expect(findByAttr(null, '.n', 'data-id', 'group:g1')).toBeNull();
  });
});
