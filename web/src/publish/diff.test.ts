import { describe, expect, it } from 'vitest';
import type { FlowDiff } from '../api/types';
import { SCHEMA, type FlowDocument } from '../model/flow';
import { classifyDiff, diffIsEmpty } from './diff';

const node = (id: string, x = 0, values?: Record<string, unknown>) => ({ id, handle: id, type: 't.x', position: { x, y: 0 }, ...(values ? { values } : {}) });
const conn = (a: string, b: string, id?: string) => ({ ...(id ? { id } : {}), from: { node: a, port: 'out' }, to: { node: b, port: 'in' } });

const before: FlowDocument = {
  schema: SCHEMA,
  nodes: [node('keep'), node('edit', 100, { url: 'a' }), node('gone', 200)],
  connections: [conn('keep', 'edit'), conn('edit', 'gone'), conn('keep', 'gone', 'c9')],
};
const after: FlowDocument = {
  schema: SCHEMA,
  nodes: [node('keep'), node('edit', 100, { url: 'b' }), node('new', 300)],
  connections: [conn('keep', 'edit'), conn('edit', 'new'), conn('keep', 'new', 'c9')],
};
const apiDiff: FlowDiff = {
  from: '1',
  to: '2',
  same: false,
  nodes: {
    added: [{ id: 'new', handle: 'new', type: 't.x' }],
    removed: [{ id: 'gone', handle: 'gone', type: 't.x' }],
    changed: [{ id: 'edit', handle: 'edit', type: 't.x', fields: ['values.url'] }],
  },
  connections: {
    added: [{ from: 'edit.out', to: 'new.in' }],
    removed: [{ from: 'edit.out', to: 'gone.in' }],
    changed: [{ id: 'c9', before: { id: 'c9', from: 'keep.out', to: 'gone.in' }, after: { id: 'c9', from: 'keep.out', to: 'new.in' } }],
  },
};

describe('classifyDiff', () => {
  const v = classifyDiff(before, after, apiDiff);
  it('marks nodes added, removed, changed and same', () => {
    const byId = Object.fromEntries(v.nodes.map((n) => [n.id, n]));
    expect(byId.keep?.status).toBe('same');
    expect(byId.edit?.status).toBe('changed');
    expect(byId.edit?.fields).toEqual(['values.url']);
    expect(byId.new?.status).toBe('added');
    expect(byId.gone?.status).toBe('removed');
    expect(byId.gone?.position).toEqual({ x: 200, y: 0 });
    expect(v.counts).toEqual({ added: 1, removed: 1, changed: 1, same: 1 });
  });
  it('marks connections and shows a moved one once, as changed', () => {
    const byKey = Object.fromEntries(v.edges.map((e) => [e.key, e]));
    expect(byKey['keep.out>edit.in']?.status).toBe('same');
    expect(byKey['edit.out>new.in']?.status).toBe('added');
    expect(byKey['edit.out>gone.in']?.status).toBe('removed');
    expect(byKey['keep.out>new.in']?.status).toBe('changed');
    expect(byKey['keep.out>new.in']?.before).toEqual({ from: 'keep.out', to: 'gone.in' });
    expect(byKey['keep.out>gone.in']).toBeUndefined();
    expect(v.edges).toHaveLength(4);
  });
  it('tells an empty diff', () => {
    expect(diffIsEmpty(apiDiff)).toBe(false);
    const same: FlowDiff = { ...apiDiff, same: true, nodes: { added: [], removed: [], changed: [] }, connections: { added: [], removed: [], changed: [] } };
    expect(diffIsEmpty(same)).toBe(true);
    const w = classifyDiff(after, after, same);
    expect(w.nodes.every((n) => n.status === 'same')).toBe(true);
    expect(w.edges.every((e) => e.status === 'same')).toBe(true);
  });
});
