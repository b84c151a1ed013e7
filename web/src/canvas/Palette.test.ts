import { describe, expect, it } from 'vitest';
import { catalog } from '../test/fixtures';
import { searchTypes } from './Palette';

describe('palette search', () => {
  it('lists everything in catalogue order without a query', () => {
    expect(searchTypes(catalog, '  ').map((t) => t.id)).toEqual(catalog.all().map((t) => t.id));
  });

  it('ranks name matches before id, category and documentation matches', () => {
    const ids = searchTypes(catalog, 'resp').map((t) => t.id);
    expect(ids[0]).toBe('http.response');
    const http = searchTypes(catalog, 'HTTP');
    // every name match comes before the first match found only elsewhere (id, category, doc)
    const firstOther = http.findIndex((t) => !/http/i.test(t.name));
    expect(firstOther).toBeGreaterThan(0);
    expect(http.slice(firstOther).some((t) => /http/i.test(t.name))).toBe(false);
    expect(http.map((t) => t.id)).toContain('trigger.route');
  });

  it('finds by a word inside the name and by id', () => {
    expect(searchTypes(catalog, 'loop').map((t) => t.id)).toEqual(expect.arrayContaining(['control.counter_loop', 'control.loop_end']));
    expect(searchTypes(catalog, 'store_get').map((t) => t.id)).toEqual(['variable.store_get']);
    expect(searchTypes(catalog, 'zzzz')).toEqual([]);
  });
});
