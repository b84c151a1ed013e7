import { describe, expect, it } from 'vitest';
import { parseDocument, toJSON } from '../model/flow';
import { catalog, conn, doc, node } from '../test/fixtures';
import { addMembers, createGroup, dissolveGroup, exposePort, GroupError, groupOfNode, pruneGroups, renameGroup, unexposePort } from './model';

// manual → a → b → out, with a and b to be grouped
const sample = () =>
  doc(
    [node('m', 'trigger.manual'), node('a', 'debug.log'), node('b', 'debug.log'), node('out', 'debug.log')],
    [conn('m', 'true_path', 'a', 'node'), conn('a', 'true_path', 'b', 'node'), conn('b', 'value', 'out', 'value'), conn('b', 'true_path', 'out', 'node')],
  );

describe('groups', () => {
  it('creates a group from nodes, exposing the ports connections cross', () => {
    const d = sample();
    const { doc: g, group } = createGroup(d, ['b', 'a'], ' Checks ', 'g1');
    expect(group).toEqual({
      id: 'g1',
      name: 'Checks',
      members: ['a', 'b'],
      inputs: [{ name: 'a_node', node: 'a', port: 'node' }],
      outputs: [
        { name: 'b_value', node: 'b', port: 'value' },
        { name: 'b_true_path', node: 'b', port: 'true_path' },
      ],
    });
    expect(g.nodes.filter((n) => n.group === 'g1').map((n) => n.id)).toEqual(['a', 'b']);
    expect(g.connections).toBe(d.connections);
    expect(d.nodes.every((n) => n.group === undefined)).toBe(true);
  });

  it('round-trips: create then dissolve keeps every node and connection', () => {
    const d = sample();
    const { doc: g } = createGroup(d, ['a', 'b'], undefined, 'g1');
    const back = dissolveGroup(g, 'g1');
    expect(back.nodes).toEqual(d.nodes);
    expect(back.connections).toEqual(d.connections);
    expect(back.groups).toEqual([]);
    // and the saved JSON reads back the same (what the Go decoder sees)
    expect(toJSON(parseDocument(toJSON(g)))).toEqual(toJSON(g));
  });

  it('names groups Group, Group_2… and refuses bad selections', () => {
    const d = sample();
    const one = createGroup(d, ['a'], undefined, 'g1').doc;
    expect(one.groups![0]!.name).toBe('Group');
    const two = createGroup(one, ['out'], undefined, 'g2').doc;
    expect(two.groups![1]!.name).toBe('Group_2');
    expect(() => createGroup(two, ['b', 'a'])).toThrow(/already in the group "Group"/);
    expect(() => createGroup(d, [])).toThrow(GroupError);
    expect(() => createGroup(d, ['zz'])).toThrow(/no node zz/);
    expect(() => createGroup(one, ['b'], 'x', 'g1')).toThrow(/taken/);
  });

  it('renames, and refuses an empty name', () => {
    const { doc: g } = createGroup(sample(), ['a'], 'A', 'g1');
    expect(renameGroup(g, 'g1', '  Auth ').groups![0]!.name).toBe('Auth');
    expect(() => renameGroup(g, 'g1', ' ')).toThrow(/needs a name/);
    expect(() => renameGroup(g, 'nope', 'x')).toThrow(/no group nope/);
  });

  it('exposes and unexposes member ports checked against the catalogue', () => {
    const { doc: g } = createGroup(sample(), ['a', 'b'], 'G', 'g1');
    const e = exposePort(g, catalog, 'g1', 'inputs', 'b', 'message');
    expect(e.groups![0]!.inputs!.map((x) => x.name)).toEqual(['a_node', 'b_message']);
    const named = exposePort(g, catalog, 'g1', 'inputs', 'b', 'level', 'lvl');
    expect(named.groups![0]!.inputs![1]).toEqual({ name: 'lvl', node: 'b', port: 'level' });
    expect(() => exposePort(g, catalog, 'g1', 'inputs', 'b', 'nope')).toThrow(/has no input nope/);
    expect(() => exposePort(g, catalog, 'g1', 'outputs', 'b', 'message')).toThrow(/has no output message/);
    expect(() => exposePort(g, catalog, 'g1', 'inputs', 'out', 'message')).toThrow(/own nodes/);
    expect(() => exposePort(g, catalog, 'g1', 'inputs', 'a', 'node')).toThrow(/exposed already/);
    expect(() => exposePort(g, catalog, 'g1', 'inputs', 'b', 'level', 'a_node')).toThrow(/already has an input named a_node/);
    expect(() => exposePort(g, catalog, 'g1', 'inputs', 'b', 'level', 'Bad Name')).toThrow(/a-z, 0-9/);
    const un = unexposePort(g, 'g1', 'inputs', 'a_node');
    expect(un.groups![0]!.inputs).toBeUndefined();
    expect(un.groups![0]!.outputs).toHaveLength(2);
    expect(() => unexposePort(g, 'g1', 'outputs', 'zz')).toThrow(/no output zz/);
  });

  it('prunes members and exposed ports of deleted nodes, and empty groups', () => {
    const { doc: g } = createGroup(sample(), ['a', 'b'], 'G', 'g1');
    const withoutB = { ...g, nodes: g.nodes.filter((n) => n.id !== 'b') };
    const p = pruneGroups(withoutB);
    expect(p.groups![0]!.members).toEqual(['a']);
    expect(p.groups![0]!.outputs).toEqual([]);
    expect(groupOfNode(p, 'a')!.id).toBe('g1');
    const none = pruneGroups({ ...g, nodes: g.nodes.filter((n) => n.id !== 'a' && n.id !== 'b') });
    expect(none.groups).toEqual([]);
    expect(pruneGroups(g)).toBe(g);
  });
});

describe('adding members', () => {
  it('adds only nodes in no group', () => {
    const { doc: g } = createGroup(sample(), ['a'], 'G', 'g1');
    const { doc: two } = createGroup(g, ['out'], 'H', 'g2');
    const d = addMembers(two, 'g1', ['m', 'out', 'zz']);
    expect(d.groups![0]!.members).toEqual(['a', 'm']);
    expect(d.nodes.find((n) => n.id === 'm')!.group).toBe('g1');
    expect(d.nodes.find((n) => n.id === 'out')!.group).toBe('g2');
    expect(addMembers(d, 'g1', ['a'])).toBe(d);
  });
});
