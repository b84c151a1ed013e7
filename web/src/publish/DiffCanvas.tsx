// A read-only canvas of a diff: nodes of both sides where they stand, added in green, removed
// in red (dashed), changed in amber; connections coloured the same way.

import { Background, type Edge, type Node, ReactFlow, ReactFlowProvider } from '@xyflow/react';
import { useMemo } from 'react';
import type { DiffStatus, DiffView } from './diff';
import './publish.css';

const colour: Record<DiffStatus, string> = { added: 'var(--ok)', removed: 'var(--bad)', changed: 'var(--warn)', same: 'var(--muted)' };
const word: Record<DiffStatus, string> = { added: 'added', removed: 'removed', changed: 'changed', same: '' };

export function DiffCanvas({ view, label }: { view: DiffView; label: string }) {
  const nodes = useMemo<Node[]>(
    () =>
      view.nodes.map((n) => ({
        id: n.id,
        position: n.position,
        className: `ps-diff-node ps-diff-${n.status}`,
        data: {
          label: (
            <span title={n.fields.length ? `changed: ${n.fields.join(', ')}` : n.type}>
              <strong>{n.handle}</strong>
              <br />
              <span className="ps-hint">{n.type}</span>
              {n.status !== 'same' ? (
                <>
                  <br />
                  <span className="ps-diff-tag">{word[n.status]}</span>
                </>
              ) : null}
            </span>
          ),
        },
        draggable: false,
        connectable: false,
        selectable: false,
      })),
    [view],
  );
  const ids = useMemo(() => new Set(view.nodes.map((n) => n.id)), [view]);
  const edges = useMemo<Edge[]>(
    () =>
      view.edges
        .filter((e) => ids.has(e.from.node) && ids.has(e.to.node))
        .map((e) => ({
          id: e.key,
          source: e.from.node,
          target: e.to.node,
          style: { stroke: colour[e.status], strokeWidth: e.status === 'same' ? 1 : 2, ...(e.status === 'removed' ? { strokeDasharray: '5 4' } : {}) },
          ...(e.status !== 'same' ? { label: word[e.status] } : {}),
          selectable: false,
        })),
    [view, ids],
  );
  return (
    <div className="ps-diff-box" role="img" aria-label={label} data-testid="diff-canvas">
      <ReactFlowProvider>
        <ReactFlow nodes={nodes} edges={edges} fitView fitViewOptions={{ maxZoom: 1, padding: 0.2 }} nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} proOptions={{ hideAttribution: true }} minZoom={0.1}>
          <Background />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
