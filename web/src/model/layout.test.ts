import { describe, expect, it } from 'vitest';
import { createGroup } from '../groups/model';
import { boxId } from '../groups/view';
import { conn, doc, node } from '../test/fixtures';
import { DEFAULT_NODE_SIZE, layoutPositions, placement } from './layout';

// m → [group G: a → b] → out, drawn in a jumble; the group's members sit 200 apart.
const grouped = () => {
  const d = doc(
    [
      node('out', 'debug.log', { position: { x: -400, y: 300 } }),
      node('a', 'debug.log', { position: { x: 1000, y: 0 } }),
      node('b', 'debug.log', { position: { x: 1200, y: 50 } }),
      node('m', 'trigger.manual', { position: { x: 0, y: 0 } }),
    ],
    [conn('m', 'true_path', 'a', 'node'), conn('a', 'true_path', 'b', 'node'), conn('b', 'true_path', 'out', 'node')],
  );
  return createGroup(d, ['a', 'b'], 'G', 'g1').doc;
};

describe('auto-layout', () => {
  it('lays out ungrouped nodes left to right from the drawing’s top-left corner', () => {
    const d = doc([node('c', 'debug.log', { position: { x: 50, y: 10 } }), node('a', 'trigger.manual'), node('b', 'debug.log')], [conn('a', 'true_path', 'b', 'node'), conn('b', 'true_path', 'c', 'node')]);
    const p = layoutPositions(d, new Map());
    expect(p.get('a')!.x).toBeLessThan(p.get('b')!.x);
    expect(p.get('b')!.x).toBeLessThan(p.get('c')!.x);
    expect(Math.min(...[...p.values()].map((v) => v.x))).toBe(0);
    expect(Math.min(...[...p.values()].map((v) => v.y))).toBe(0);
  });

  it('places a group as one box between its neighbours and keeps its members’ arrangement', () => {
    const d = grouped();
    const box = { width: 500, height: 150 };
    const p = layoutPositions(d, new Map([[boxId('g1'), box]]));
    const a = p.get('a')!;
    const b = p.get('b')!;
    // the members moved together
    expect(b.x - a.x).toBe(200);
    expect(b.y - a.y).toBe(50);
    // the box (at the members' corner) is right of the trigger and left of what follows it
    const m = p.get('m')!;
    const out = p.get('out')!;
    expect(m.x + DEFAULT_NODE_SIZE.width).toBeLessThanOrEqual(a.x);
    expect(a.x + box.width).toBeLessThanOrEqual(out.x);
    expect([...p.keys()].sort()).toEqual(['a', 'b', 'm', 'out']);
  });

  it('inside an entered group moves only its members', () => {
    const d = grouped();
    const p = layoutPositions(d, new Map(), undefined, 'g1');
    expect([...p.keys()].sort()).toEqual(['a', 'b']);
    expect(p.get('a')!.x).toBeLessThan(p.get('b')!.x);
    // the members' drawing keeps its top-left corner
    expect(Math.min(p.get('a')!.x, p.get('b')!.x)).toBe(1000);
    expect(Math.min(p.get('a')!.y, p.get('b')!.y)).toBe(0);
  });

  it('lays out only the chosen nodes, a group moving with any chosen member', () => {
    const d = grouped();
    const p = layoutPositions(d, new Map(), new Set(['m', 'a']));
    expect([...p.keys()].sort()).toEqual(['a', 'b', 'm']);
    expect(p.get('b')!.x - p.get('a')!.x).toBe(200);
    expect(layoutPositions(d, new Map(), new Set(['nope'])).size).toBe(0);
  });
});

describe('where a node from the palette goes', () => {
  const at = (id: string, x: number, y: number) => ({ id, position: { x, y } });
  it('right of the selected node, so adding one after another reads as a flow', () => {
    const sizes = new Map([['a', { width: 200, height: 400 }]]);
    expect(placement([at('a', 0, 0)], sizes, at('a', 0, 0), { x: 500, y: 500 })).toEqual({ x: 260, y: 0 });
  });

  it('at the middle of the view without a selection, moved on past the nodes it would cover', () => {
    // the second and third nodes were put 32 px from the first and hid it (an HTTP request is 400 px tall)
    const nodes = [at('a', 0, 0), at('b', 280, 40)];
    const sizes = new Map([['a', { width: 220, height: 400 }]]);
    expect(placement(nodes, sizes, undefined, { x: 10, y: 10 })).toEqual({ x: 560, y: 10 });
    expect(placement(nodes, sizes, undefined, { x: 0, y: 700 })).toEqual({ x: 0, y: 700 });
  });
});
