import { describe, expect, it } from 'vitest';
import { conn, doc, node } from '../test/fixtures';
import { createGroup } from './model';
import { boxId, groupView, moveGroup, resolveEnd } from './view';

const sample = () => {
  const d = doc(
    [
      node('m', 'trigger.manual', { position: { x: 0, y: 0 } }),
      node('a', 'debug.log', { position: { x: 300, y: 40 } }),
      node('b', 'debug.log', { position: { x: 500, y: 20 } }),
      node('out', 'debug.log', { position: { x: 800, y: 0 } }),
    ],
    [conn('m', 'true_path', 'a', 'node'), conn('a', 'true_path', 'b', 'node'), conn('b', 'true_path', 'out', 'node'), conn('m', 'true_path', 'b', 'message')],
  );
  return createGroup(d, ['a', 'b'], 'G', 'g1').doc;
};

describe('group view', () => {
  it('draws a closed group as one box at its members’ corner, with crossing edges on its ports', () => {
    const d = sample();
    const v = groupView(d, null);
    expect([...v.hidden].sort()).toEqual(['a', 'b']);
    expect(v.boxes).toHaveLength(1);
    expect(v.boxes[0]!.position).toEqual({ x: 300, y: 20 });
    expect(v.boxes[0]!.inputs.map((p) => p.name)).toEqual(['a_node', 'b_message']);
    const [into, inside, out] = d.connections.map((c) => v.edge(c));
    expect(into).toMatchObject({ source: 'm', sourceHandle: 'true_path', target: boxId('g1'), targetHandle: 'in:a_node', collapsed: true });
    expect(inside).toBeNull();
    expect(out).toMatchObject({ source: boxId('g1'), sourceHandle: 'out:b_true_path', target: 'out', targetHandle: 'node' });
  });

  it('sends a connection to a port the group does not expose to the catch-all handle', () => {
    const d = sample();
    const g = d.groups![0]!;
    const trimmed = { ...d, groups: [{ ...g, inputs: g.inputs!.filter((p) => p.name !== 'b_message') }] };
    const v = groupView(trimmed, null);
    expect(v.edge(trimmed.connections[3]!)).toMatchObject({ target: boxId('g1'), targetHandle: 'in:*' });
    expect(v.boxes[0]!.anyIn).toBe(true);
    expect(v.boxes[0]!.anyOut).toBe(false);
  });

  it('shows only the members and their connections inside an open group', () => {
    const d = sample();
    const v = groupView(d, 'g1');
    expect(v.open?.name).toBe('G');
    expect([...v.hidden].sort()).toEqual(['m', 'out']);
    expect(v.boxes).toEqual([]);
    expect(d.connections.map((c) => v.edge(c) !== null)).toEqual([false, true, false, false]);
  });

  it('maps box handles back to member ports, and moves members with the box', () => {
    const d = sample();
    expect(resolveEnd(d, boxId('g1'), 'in:b_message')).toEqual({ node: 'b', port: 'message' });
    expect(resolveEnd(d, boxId('g1'), 'out:b_true_path')).toEqual({ node: 'b', port: 'true_path' });
    expect(resolveEnd(d, boxId('g1'), 'in:*')).toBeNull();
    expect(resolveEnd(d, 'out', 'node')).toEqual({ node: 'out', port: 'node' });
    const moves = moveGroup(d, 'g1', { x: 310, y: 0 });
    expect(Object.fromEntries(moves)).toEqual({ a: { x: 310, y: 20 }, b: { x: 510, y: 0 } });
  });

  it('leaves a document without groups as it is', () => {
    const d = doc([node('a', 'debug.log')], []);
    const v = groupView(d, null);
    expect(v.hidden.size).toBe(0);
    expect(v.boxes).toEqual([]);
  });
});
