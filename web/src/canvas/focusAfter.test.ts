import { describe, expect, it } from 'vitest';
import { focusAfterRemoval } from './focusAfter';

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
