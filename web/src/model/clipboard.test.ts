import { describe, expect, it } from 'vitest';
import { conn, doc, node } from '../test/fixtures';
import { copyNodes, parseClipboard, pasteNodes } from './clipboard';
import { SCHEMA } from './flow';
import { createGroup } from '../groups/model';

describe('copy and paste', () => {
  const d = doc(
    [
      node('a', 'variable.string', { handle: 'name', position: { x: 100, y: 50 }, values: { value: 'x' }, group: 'g1' }),
      node('b', 'debug.log', { handle: 'log', position: { x: 400, y: 80 }, values: { message: 'hi {{ name.value }}' } }),
      node('c', 'debug.log', { handle: 'other', position: { x: 700, y: 80 } }),
    ],
    [conn('a', 'value', 'b', 'value'), conn('b', 'true_path', 'c', 'node')],
  );

  it('copies the nodes and only the connections among them, without the old group field', () => {
    const p = copyNodes(d, ['a', 'b']);
    expect(p.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(p.connections).toEqual([conn('a', 'value', 'b', 'value')]);
    expect(p.nodes[0]!.group).toBeUndefined();
    expect(d.nodes[0]!.group).toBe('g1');
  });

  it('round-trips through clipboard text and pastes with new ids, free handles and rewritten expressions', () => {
    const text = JSON.stringify(copyNodes(d, ['a', 'b']));
    const payload = parseClipboard(text)!;
    const r = pasteNodes(d, payload, { at: { x: 0, y: 0 } });
    expect(r.ids).toHaveLength(2);
    const pasted = r.doc.nodes.filter((n) => r.ids.includes(n.id));
    expect(pasted.map((n) => n.handle)).toEqual(['name_2', 'log_2']);
    expect(pasted.map((n) => n.position)).toEqual([{ x: 0, y: 0 }, { x: 300, y: 30 }]);
    expect(pasted[1]!.values!.message).toBe('hi {{ name_2.value }}');
    expect(r.doc.connections.at(-1)).toEqual(conn(r.ids[0]!, 'value', r.ids[1]!, 'value'));
    expect(r.doc.nodes).toHaveLength(5);
    expect(new Set(r.doc.nodes.map((n) => n.id)).size).toBe(5);
  });

  it('carries whole groups with new ids, members and exposed ports; a partly copied group stays behind', () => {
    const grouped = createGroup(d, ['a', 'b'], 'Pair', 'g7').doc;
    const withPort = { ...grouped, groups: grouped.groups!.map((g) => ({ ...g, outputs: [{ name: 'done', node: 'b', port: 'true_path' }] })) };
    const payload = parseClipboard(JSON.stringify(copyNodes(withPort, ['a', 'b', 'c'])))!;
    expect(payload.groups?.map((g) => g.name)).toEqual(['Pair']);
    const r = pasteNodes(withPort, payload, { offset: 40 });
    const [na, nb] = r.ids;
    const pasted = r.doc.groups!.at(-1)!;
    expect(r.doc.groups).toHaveLength(2);
    expect(pasted.id).not.toBe('g7');
    expect(pasted).toMatchObject({ name: 'Pair', members: [na, nb], outputs: [{ name: 'done', node: nb, port: 'true_path' }] });
    // the original group is untouched
    expect(r.doc.groups![0]).toEqual(withPort.groups[0]);
    // half a group: its nodes come without it
    expect(copyNodes(withPort, ['b', 'c']).groups).toBeUndefined();
    expect(pasteNodes(withPort, copyNodes(withPort, ['b'])).doc.groups).toHaveLength(1);
    // a whole flow document pastes with its groups
    const fromDoc = parseClipboard(JSON.stringify(withPort))!;
    expect(pasteNodes(doc([]), fromDoc).doc.groups?.[0]?.members).toHaveLength(2);
  });

  it('keeps handles that are free and offsets when no place is given', () => {
    const r = pasteNodes(doc([]), copyNodes(d, ['b']));
    expect(r.doc.nodes[0]).toMatchObject({ handle: 'log', position: { x: 440, y: 120 } });
  });

  it('swaps handles without collision when renames chain', () => {
    const src = doc([node('x', 'debug.log', { handle: 'a', values: { message: '{{ a_2 }}' } }), node('y', 'debug.log', { handle: 'a_2', values: { message: '{{ a }}' } })]);
    const target = doc([node('t', 'debug.log', { handle: 'a' })]);
    const r = pasteNodes(target, copyNodes(src, ['x', 'y']));
    const [x, y] = r.doc.nodes.slice(1);
    expect([x!.handle, y!.handle]).toEqual(['a_2', 'a_3']);
    expect(x!.values!.message).toBe('{{ a_3 }}');
    expect(y!.values!.message).toBe('{{ a_2 }}');
  });

  it('accepts a whole flow document and refuses anything else', () => {
    expect(parseClipboard(JSON.stringify(d))?.nodes).toHaveLength(3);
    expect(parseClipboard('hello')).toBeNull();
    expect(parseClipboard('{"kind":"other"}')).toBeNull();
    expect(parseClipboard(JSON.stringify({ schema: SCHEMA, nodes: [{ id: 1 }], connections: [] }))).toBeNull();
  });
});
