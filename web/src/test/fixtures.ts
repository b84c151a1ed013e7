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

/** The API's 422 for a flow that does not validate, as fetch answers it: its problems by JSON pointer (value: the node's handle). */
export function flowInvalidResponse(errors: { location: string; message: string; value?: string }[]): Response {
  const body = { type: 'urn:polysynergy:problem:flow-invalid', title: 'Flow is invalid', status: 422, detail: `the flow has ${errors.length} problem(s)`, errors };
  return new Response(JSON.stringify(body), { status: 422, headers: { 'Content-Type': 'application/problem+json' } });
}
