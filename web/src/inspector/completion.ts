// What {{ }} autocomplete offers in a node's editors: the nodes upstream of it with their
// data outputs, the trigger's fields, the stage's environment names, and `each` in loops.

import type { CatalogIndex } from '../model/catalog';
import type { CompletionContext, CompletionNode } from '../model/expressions';
import type { FlowDocument } from '../model/flow';
import { nodeOutputs, upstreamNodes } from '../model/graph';
import { isServiceType } from '../model/ports';

export function completionContextFor(doc: FlowDocument, catalog: CatalogIndex, nodeId: string, env: string[] = []): CompletionContext {
  const up = upstreamNodes(doc, catalog, nodeId);
  const nodes: CompletionNode[] = [];
  let trigger: CompletionContext['trigger'];
  let inLoop = false;
  for (const n of up) {
    const t = catalog.get(n.type);
    if (!t) continue;
    const outputs = nodeOutputs(n, t)
      .filter((p) => !p.spec.branch && p.spec.type !== 'loop' && p.spec.type !== 'jump' && !isServiceType(String(p.spec.type)))
      .map((p) => ({ name: p.id, type: String(p.spec.type), ...(p.spec.doc ? { doc: p.spec.doc } : {}) }));
    nodes.push({ handle: n.handle, type: t.id, name: t.name, outputs });
    if (t.trigger && !trigger) trigger = outputs.map((o) => ({ name: o.name, type: o.type }));
    if (t.control === 'for_each' || t.control === 'counter_loop') inLoop = true;
  }
  return { nodes, env, inLoop, ...(trigger ? { trigger } : {}) };
}
