// Groups of the flow document (shared/flow.Group): a named set of member nodes with exposed
// input and output ports. A group is an editor construct — the engine flattens it — so these
// operations never touch nodes' values or the connections: creating and dissolving a group
// keeps every node and edge as it was. Each node is in at most one group, and the document
// stays valid for the Go validator (members and exposed ports name existing nodes and ports,
// each node's `group` names an existing group).

import type { CatalogIndex } from '../model/catalog';
import { type ExposedPort, type FlowDocument, type FlowNode, type Group, newId } from '../model/flow';

export type Side = 'inputs' | 'outputs';

/** An operation that cannot be done, with why (shown to the person as it is). */
export class GroupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GroupError';
  }
}

export const groupsOf = (doc: FlowDocument): Group[] => doc.groups ?? [];

export function findGroup(doc: FlowDocument, id: string): Group | undefined {
  return groupsOf(doc).find((g) => g.id === id);
}

/** The group a node belongs to (by the group's members; node.group mirrors it). */
export function groupOfNode(doc: FlowDocument, nodeId: string): Group | undefined {
  return groupsOf(doc).find((g) => g.members.includes(nodeId));
}

function portName(n: FlowNode, port: string): string {
  return `${n.handle}_${port}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
}

function unique(name: string, taken: Set<string>): string {
  let out = name;
  for (let i = 2; taken.has(out); i++) out = `${name}_${i}`;
  taken.add(out);
  return out;
}

/** The connections that cross a set of nodes' boundary, split by direction. */
export function crossing(doc: FlowDocument, members: ReadonlySet<string>) {
  return {
    into: doc.connections.filter((c) => !members.has(c.from.node) && members.has(c.to.node)),
    out: doc.connections.filter((c) => members.has(c.from.node) && !members.has(c.to.node)),
  };
}

/**
 * Makes a group of the given nodes. Ports that connections cross into or out of the group
 * become its exposed inputs and outputs. Refuses nodes already in a group and unknown ids.
 */
export function createGroup(doc: FlowDocument, nodeIds: string[], name?: string, id: string = newId('g')): { doc: FlowDocument; group: Group } {
  const ids = [...new Set(nodeIds)];
  if (!ids.length) throw new GroupError('Select the nodes to group first.');
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const m of ids) {
    const n = byId.get(m);
    if (!n) throw new GroupError(`There is no node ${m}.`);
    const g = groupOfNode(doc, m);
    if (g) throw new GroupError(`${n.handle} is already in the group "${g.name}"; dissolve it first.`);
  }
  if (findGroup(doc, id)) throw new GroupError(`The group id ${id} is taken.`);
  const members = new Set(ids);
  const { into, out } = crossing(doc, members);
  const taken = { inputs: new Set<string>(), outputs: new Set<string>() };
  const seen = new Set<string>();
  const expose = (side: Side, node: string, port: string): ExposedPort[] => {
    const key = `${side}|${node}|${port}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ name: unique(portName(byId.get(node)!, port), taken[side]), node, port }];
  };
  const inputs = into.flatMap((c) => expose('inputs', c.to.node, c.to.port));
  const outputs = out.flatMap((c) => expose('outputs', c.from.node, c.from.port));
  const existing = new Set(groupsOf(doc).map((g) => g.name));
  const group: Group = {
    id,
    name: name?.trim() || unique('Group', existing),
    members: doc.nodes.filter((n) => members.has(n.id)).map((n) => n.id),
    ...(inputs.length ? { inputs } : {}),
    ...(outputs.length ? { outputs } : {}),
  };
  return {
    doc: { ...doc, nodes: doc.nodes.map((n) => (members.has(n.id) ? { ...n, group: id } : n)), groups: [...groupsOf(doc), group] },
    group,
  };
}

/** Removes a group; its members stay where they are, with every connection. */
export function dissolveGroup(doc: FlowDocument, id: string): FlowDocument {
  const g = findGroup(doc, id);
  if (!g) throw new GroupError(`There is no group ${id}.`);
  const members = new Set(g.members);
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      if (!members.has(n.id) && n.group !== id) return n;
      const { group: _g, ...rest } = n;
      return rest;
    }),
    groups: groupsOf(doc).filter((x) => x.id !== id),
  };
}

export function renameGroup(doc: FlowDocument, id: string, name: string): FlowDocument {
  const n = name.trim();
  if (!n) throw new GroupError('A group needs a name.');
  if (n.length > 100) throw new GroupError('A group name is at most 100 characters.');
  if (!findGroup(doc, id)) throw new GroupError(`There is no group ${id}.`);
  return { ...doc, groups: groupsOf(doc).map((g) => (g.id === id ? { ...g, name: n } : g)) };
}

const exposedName = /^[a-z0-9_]+$/;

/**
 * Exposes a member's port on the group (an input port as a group input, an output as a group
 * output). The catalogue decides whether the port exists; `values.key` sub-ports of dict
 * ports are allowed.
 */
export function exposePort(doc: FlowDocument, catalog: CatalogIndex, id: string, side: Side, node: string, port: string, name?: string): FlowDocument {
  const g = findGroup(doc, id);
  if (!g) throw new GroupError(`There is no group ${id}.`);
  if (!g.members.includes(node)) throw new GroupError('Only ports of the group\u2019s own nodes can be exposed.');
  const n = doc.nodes.find((x) => x.id === node);
  const t = n ? catalog.get(n.type) : undefined;
  if (!n || !t) throw new GroupError(`The node ${node} has no known type.`);
  const base = port.split('.')[0]!;
  const ports = side === 'inputs' ? t.inputs : t.outputs;
  if (!ports.some((p) => p.name === base)) throw new GroupError(`${n.handle} has no ${side === 'inputs' ? 'input' : 'output'} ${port}.`);
  const list = g[side] ?? [];
  if (list.some((e) => e.node === node && e.port === port)) throw new GroupError(`${n.handle}.${port} is exposed already.`);
  const taken = new Set(list.map((e) => e.name));
  let final: string;
  if (name !== undefined) {
    final = name.trim();
    if (!exposedName.test(final)) throw new GroupError('A port name uses a-z, 0-9 and _.');
    if (taken.has(final)) throw new GroupError(`The group already has an ${side === 'inputs' ? 'input' : 'output'} named ${final}.`);
  } else final = unique(portName(n, port), taken);
  return { ...doc, groups: groupsOf(doc).map((x) => (x.id === id ? { ...x, [side]: [...list, { name: final, node, port }] } : x)) };
}

/** Stops exposing a port (by its name on the group). */
export function unexposePort(doc: FlowDocument, id: string, side: Side, name: string): FlowDocument {
  const g = findGroup(doc, id);
  if (!g) throw new GroupError(`There is no group ${id}.`);
  const list = g[side] ?? [];
  if (!list.some((e) => e.name === name)) throw new GroupError(`The group has no ${side === 'inputs' ? 'input' : 'output'} ${name}.`);
  return {
    ...doc,
    groups: groupsOf(doc).map((x) => {
      if (x.id !== id) return x;
      const rest = list.filter((e) => e.name !== name);
      const { [side]: _drop, ...other } = x;
      return rest.length ? { ...other, [side]: rest } : other;
    }),
  };
}

/**
 * Keeps groups consistent after nodes went away (deleted, cut): members and exposed ports of
 * missing nodes are dropped, and so are groups left empty.
 */
export function pruneGroups(doc: FlowDocument): FlowDocument {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const groups = groupsOf(doc);
  let changed = false;
  const next = groups
    .map((g) => {
      const members = g.members.filter((m) => ids.has(m));
      const inputs = g.inputs?.filter((e) => ids.has(e.node));
      const outputs = g.outputs?.filter((e) => ids.has(e.node));
      if (members.length === g.members.length && inputs?.length === g.inputs?.length && outputs?.length === g.outputs?.length) return g;
      changed = true;
      return { ...g, members, ...(inputs ? { inputs } : {}), ...(outputs ? { outputs } : {}) };
    })
    .filter((g) => {
      if (g.members.length) return true;
      changed = true;
      return false;
    });
  return changed ? { ...doc, groups: next } : doc;
}

/** Puts nodes that are in no group into a group (nodes placed while the group is open). */
export function addMembers(doc: FlowDocument, id: string, nodeIds: string[]): FlowDocument {
  const g = findGroup(doc, id);
  if (!g) throw new GroupError(`There is no group ${id}.`);
  const add = new Set(nodeIds.filter((n) => doc.nodes.some((x) => x.id === n) && !groupOfNode(doc, n)));
  if (!add.size) return doc;
  return {
    ...doc,
    nodes: doc.nodes.map((n) => (add.has(n.id) ? { ...n, group: id } : n)),
    groups: groupsOf(doc).map((x) => (x.id === id ? { ...x, members: [...x.members, ...add] } : x)),
  };
}
