// Helpers shared by the unit tests: the real catalogue fixture and small documents.

import catalogJson from '../fixtures/catalog.json';
import { CatalogIndex, parseCatalog } from '../model/catalog';
import { SCHEMA, type FlowDocument, type FlowNode } from '../model/flow';

export const catalog = new CatalogIndex(parseCatalog(catalogJson));

export function node(id: string, type: string, extra: Partial<FlowNode> = {}): FlowNode {
  return { id, handle: id, type, position: { x: 0, y: 0 }, ...extra };
}

export function doc(nodes: FlowNode[], connections: FlowDocument['connections'] = []): FlowDocument {
  return { schema: SCHEMA, nodes, connections, groups: [] };
}

export const conn = (from: string, fromPort: string, to: string, toPort: string) => ({
  from: { node: from, port: fromPort },
  to: { node: to, port: toPort },
});
