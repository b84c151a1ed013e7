// Ports of node instances (with dict rows' dynamic sub-ports) and the connection rules
// the canvas enforces: the same ones Go's flow validation applies.

import type { CatalogIndex, NodeTypeSpec, PortSpec } from './catalog';
import { connectionKey, rowKeys, type Connection, type FlowDocument, type FlowNode } from './flow';
import { portsFit, splitPort } from './ports';

/** A port as a node instance shows it: a declared port, or a dict row's sub-port. */
export interface NodePort {
  /** What connections name: "url", or "cases.ok" for a sub-port. */
  id: string;
  spec: PortSpec;
  /** The row key for a dynamic sub-port. */
  sub?: string;
}

/** The input ports of a node: declared inputs, each dynamic one followed by its row sub-ports. */
export function nodeInputs(node: FlowNode, type: NodeTypeSpec): NodePort[] {
  const out: NodePort[] = [];
  for (const p of type.inputs) {
    out.push({ id: p.name, spec: p });
    if (p.dynamic) for (const k of rowKeys(node, p.name)) out.push({ id: `${p.name}.${k}`, spec: p, sub: k });
  }
  return out;
}

/**
 * The output ports of a node. A dynamic output (a switch's cases) shows only its sub-ports,
 * one per row of the input of the same name.
 */
export function nodeOutputs(node: FlowNode, type: NodeTypeSpec): NodePort[] {
  const out: NodePort[] = [];
  for (const p of type.outputs) {
    if (p.dynamic) {
      for (const k of rowKeys(node, p.name)) out.push({ id: `${p.name}.${k}`, spec: p, sub: k });
      continue;
    }
    out.push({ id: p.name, spec: p });
  }
  return out;
}

function findPort(node: FlowNode, ports: PortSpec[], id: string): NodePort | undefined {
  const { port, sub } = splitPort(id);
  const spec = ports.find((p) => p.name === port);
  if (!spec) return undefined;
  if (!sub) return { id, spec };
  if (!spec.dynamic || !rowKeys(node, port).includes(sub)) return undefined;
  return { id, spec, sub };
}

export function findInput(node: FlowNode, type: NodeTypeSpec, id: string): NodePort | undefined {
  return findPort(node, type.inputs, id);
}

export function findOutput(node: FlowNode, type: NodeTypeSpec, id: string): NodePort | undefined {
  return findPort(node, type.outputs, id);
}

/** Why a connection cannot be made: a port or node missing, the node itself, the port types,
 * the same connection twice, a single-valued input with a source already, a cycle. */
export type ConnectRefusal = 'missing' | 'self' | 'type' | 'duplicate' | 'taken' | 'cycle';

export type ConnectCheck = { ok: true } | { ok: false; reason: string; code?: ConnectRefusal };

/** Whether the connection is a jump's back-connection, which is not a dependency. */
export function isBackConnection(doc: FlowDocument, catalog: CatalogIndex, c: Connection, byId?: Map<string, FlowNode>): boolean {
  const from = byId ? byId.get(c.from.node) : doc.nodes.find((n) => n.id === c.from.node);
  const t = from && catalog.get(from.type);
  if (!from || !t) return false;
  return findOutput(from, t, c.from.port)?.spec.type === 'jump';
}

/** Reports whether `target` can be reached from `start` along forward connections. */
export function reaches(doc: FlowDocument, catalog: CatalogIndex, start: string, target: string): boolean {
  const out = new Map<string, string[]>();
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const c of doc.connections) {
    if (isBackConnection(doc, catalog, c, byId)) continue;
    const list = out.get(c.from.node) ?? [];
    list.push(c.to.node);
    out.set(c.from.node, list);
  }
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === target) return true;
    for (const m of out.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  return false;
}

/**
 * Checks a new connection against the document: both ports exist, their types are compatible
 * (portsFit: nodes.Compatible, and dict sub-ports and multi list inputs take anything), it is not made twice, a single-valued input
 * gets no second source, a node is not connected to itself, and no cycle is closed except by a
 * jump's back-connection. `replacing` names a connection being moved, which does not count.
 */
export function canConnect(doc: FlowDocument, catalog: CatalogIndex, c: Connection, replacing?: string): ConnectCheck {
  const from = doc.nodes.find((n) => n.id === c.from.node);
  const to = doc.nodes.find((n) => n.id === c.to.node);
  if (!from || !to) return { ok: false, code: 'missing', reason: 'one end of the connection is not on the canvas' };
  if (from.id === to.id) return { ok: false, code: 'self', reason: `node "${to.handle}" cannot be connected to itself` };
  const ft = catalog.get(from.type);
  const tt = catalog.get(to.type);
  if (!ft) return { ok: false, code: 'missing', reason: `node "${from.handle}" has an unknown type ${from.type}` };
  if (!tt) return { ok: false, code: 'missing', reason: `node "${to.handle}" has an unknown type ${to.type}` };
  const op = findOutput(from, ft, c.from.port);
  if (!op) return { ok: false, code: 'missing', reason: `node "${from.handle}" has no output "${c.from.port}"` };
  const ip = findInput(to, tt, c.to.port);
  if (!ip) return { ok: false, code: 'missing', reason: `node "${to.handle}" has no input "${c.to.port}"` };
  if (!portsFit({ type: String(op.spec.type), sub: op.sub !== undefined }, { type: String(ip.spec.type), multi: ip.spec.multi, sub: ip.sub !== undefined })) {
    return { ok: false, code: 'type', reason: `${from.handle}.${c.from.port} (${op.spec.type}) cannot feed ${to.handle}.${c.to.port} (${ip.spec.type})` };
  }
  const key = connectionKey(c);
  const others = doc.connections.filter((e) => connectionKey(e) !== replacing);
  if (others.some((e) => connectionKey(e) === key)) return { ok: false, code: 'duplicate', reason: 'these ports are already connected' };
  if (!ip.spec.multi && others.some((e) => e.to.node === to.id && e.to.port === c.to.port)) {
    return { ok: false, code: 'taken', reason: `input ${to.handle}.${c.to.port} already has a source; it takes one` };
  }
  if (op.spec.type !== 'jump') {
    const rest: FlowDocument = { ...doc, connections: others };
    if (reaches(rest, catalog, to.id, from.id)) {
      return { ok: false, code: 'cycle', reason: 'this connection would close a cycle; repeat work with a for-each or a jump/to pair instead' };
    }
  }
  return { ok: true };
}

/** The nodes whose outputs a node can read in expressions: everything upstream of it. */
export function upstreamNodes(doc: FlowDocument, catalog: CatalogIndex, nodeId: string): FlowNode[] {
  const into = new Map<string, string[]>();
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  for (const c of doc.connections) {
    if (isBackConnection(doc, catalog, c, byId)) continue;
    const list = into.get(c.to.node) ?? [];
    list.push(c.from.node);
    into.set(c.to.node, list);
  }
  const seen = new Set<string>([nodeId]);
  const stack = [nodeId];
  while (stack.length) {
    const n = stack.pop()!;
    for (const m of into.get(n) ?? []) {
      if (!seen.has(m)) {
        seen.add(m);
        stack.push(m);
      }
    }
  }
  seen.delete(nodeId);
  return doc.nodes.filter((n) => seen.has(n.id));
}
