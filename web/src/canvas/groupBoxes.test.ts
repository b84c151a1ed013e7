// The canvas's group boxes keep their measured size: React Flow hides a node it holds no
// size for until it measures it again, so a box rebuilt during a run (same size, no resize
// to observe) vanished from the canvas.
import { describe, expect, it } from 'vitest';
import { createGroup } from '../groups/model';
import { boxId, groupView } from '../groups/view';
import { conn, doc, node } from '../test/fixtures';
import { withGroupBoxes } from './Canvas';

const grouped = () =>
  createGroup(
    doc(
      [node('m', 'trigger.manual', { position: { x: 0, y: 0 } }), node('a', 'debug.log', { position: { x: 300, y: 40 } }), node('b', 'debug.log', { position: { x: 500, y: 20 } })],
      [conn('m', 'true_path', 'a', 'node'), conn('a', 'true_path', 'b', 'node')],
    ),
    ['a', 'b'],
    'Review',
    'g1',
  ).doc;

type Derived = Parameters<typeof withGroupBoxes>[0];
const derived = (ids: string[]): Derived => ids.map((id) => ({ id, type: 'psNode', position: { x: 0, y: 0 }, data: {} })) as unknown as Derived;

describe('group boxes on the canvas', () => {
  it('replace their members and carry the size measured for them', () => {
    const view = groupView(grouped(), null);
    const nodes = withGroupBoxes(derived(['m', 'a', 'b']), view, undefined, null, new Map([[boxId('g1'), { width: 196, height: 58 }]]));
    expect(nodes.map((n) => n.id)).toEqual(['m', boxId('g1')]);
    expect(nodes[1]).toMatchObject({ type: 'psGroup', position: { x: 300, y: 20 }, selected: false, measured: { width: 196, height: 58 } });
  });

  it('keep that size when rebuilt with a run status, and show the status', () => {
    const view = groupView(grouped(), null);
    const sizes = new Map([[boxId('g1'), { width: 196, height: 58 }]]);
    const runs = new Map([['a', { status: 'paused' }]]) as unknown as Parameters<typeof withGroupBoxes>[2];
    const [, box] = withGroupBoxes(derived(['m', 'a', 'b']), view, runs, 'g1', sizes);
    expect(box).toMatchObject({ selected: true, measured: { width: 196, height: 58 }, data: { run: 'paused' } });
    // named for assistive technology (React Flow gives a node none)
    expect(box!.ariaLabel).toBe('Group Review, 2 nodes, ran: paused');
  });

  it('have no size before they are measured, and leave a flow without groups as it is', () => {
    const [, box] = withGroupBoxes(derived(['m', 'a', 'b']), groupView(grouped(), null), undefined, null, new Map());
    expect(box).not.toHaveProperty('measured');
    const plain = derived(['m']);
    expect(withGroupBoxes(plain, groupView(doc([node('m', 'trigger.manual')]), null), undefined, null, new Map())).toBe(plain);
  });
});
