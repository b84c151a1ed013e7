// The canvas: React Flow, controlled by the editor store. Every change a gesture makes goes
// through the store (so undo, autosave and validation see it); React Flow only draws.

import {
  Background,
  BackgroundVariant,
  type Connection as RFConnection,
  ControlButton,
  Controls,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  MiniMap,
  type Node,
  type NodeChange,
  type OnConnectStartParams,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, type KeyboardEvent, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { useEditor, useEditorEnv } from '../editor/context';
import { GroupOverlay } from '../groups/GroupControls';
import { GroupNode, type GroupRfNode, groupRunStatus } from '../groups/GroupNode';
import { groupUi } from '../groups/state';
import { boxId, type GroupView, groupIdOfBox, groupView, isBoxId, moveGroup, resolveEnd } from '../groups/view';
import type { Connection, FlowDocument, Position } from '../model/flow';
import { canConnect } from '../model/graph';
import type { Problem } from '../model/validate';
import { FIT_PADDING, GRID, MINIMAP_KEY, MINIMAP_SIZE, PALETTE_MIME } from './constants';
import { type Measured, NodeDeriver, deriveEdges } from './derive';
import { findByAttr, focusWhenShown } from './focusAfter';
import { categoryColor } from './icons';
import { ConnectingContext, type ConnectingState, type NodeRunView, NodeView, type PsNode } from './NodeView';


const nodeTypes = { ps: NodeView, psGroup: GroupNode };

type CanvasNode = PsNode | GroupRfNode;

/** The document connection a drawn one means (a group box's handle stands for a member port). */
function toConnection(c: RFConnection, doc: FlowDocument): Connection | null {
  if (!c.source || !c.target || !c.sourceHandle || !c.targetHandle) return null;
  const from = resolveEnd(doc, c.source, c.sourceHandle);
  const to = resolveEnd(doc, c.target, c.targetHandle);
  return from && to ? { from, to } : null;
}

export interface CanvasProps {
  problems: ReadonlyMap<string, Problem[]>;
  runs?: ReadonlyMap<string, NodeRunView>;
  touchedEdges?: ReadonlySet<string>;
  deadEdges?: ReadonlySet<string>;
  colorMode: 'light' | 'dark';
  /** Measured node sizes, shared with auto-layout. */
  measured: RefObject<Map<string, Measured>>;
  /** The last pointer position over the canvas in flow coordinates (for paste). */
  pointer: RefObject<Position | null>;
  onMessage(text: string): void;
}

export function Canvas({ problems, runs, touchedEdges, deadEdges, colorMode, measured, pointer, onMessage }: CanvasProps) {
  const { store, readOnly } = useEditorEnv();
  const [minimap, setMinimap] = useState(() => readMinimap());
  const toggleMinimap = useCallback(() => {
    setMinimap((on) => {
      try {
        localStorage.setItem(MINIMAP_KEY, on ? 'off' : 'on');
      } catch {
        /* storage blocked: the choice lasts this page */
      }
      return !on;
    });
  }, []);
  const doc = useEditor((s) => s.doc);
  const selection = useEditor((s) => s.selection);
  const snap = useEditor((s) => s.snapToGrid);
  const catalog = useEditor((s) => s.catalog);
  const rf = useReactFlow();
  const deriver = useRef(new NodeDeriver());
  const [measureTick, setMeasureTick] = useState(0);
  const [connecting, setConnecting] = useState<ConnectingState>({ active: false, accepts: () => false });
  const reconnected = useRef(false);
  const dragging = useRef(false);
  const ui = groupUi(store);
  const openGroup = useStore(ui, (s) => s.open);
  const selectedGroup = useStore(ui, (s) => s.selected);
  const view = useMemo(() => groupView(doc, openGroup), [doc, openGroup]);

  const selectedNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selectedEdges = useMemo(() => new Set(selection.edges), [selection.edges]);

  const derived = useMemo(
    () => deriver.current.derive(doc, catalog, selectedNodes, problems, measured.current, runs),
    // measureTick: sizes live in a ref
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [doc, catalog, selectedNodes, problems, runs, measureTick],
  );
  // groups: members of closed groups give way to their group's box; an open group shows alone
  const nodes = useMemo(
    () => withGroupBoxes(derived, view, runs, selectedGroup, measured.current),
    // measureTick: sizes live in a ref
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [derived, view, runs, selectedGroup, measureTick],
  );
  const connections = doc.connections;
  // the handles edges are named by, as a key that stays put while nodes are dragged
  const handleKey = useMemo(() => doc.nodes.map((n) => `${n.id}\u0000${n.handle}`).join('\n'), [doc.nodes]);
  const edges = useMemo(() => {
    const handles = new Map(handleKey.split('\n').map((l) => l.split('\u0000') as [string, string]));
    const all = deriveEdges(connections, selectedEdges, touchedEdges, deadEdges, (id) => handles.get(id) ?? id);
    if (!view.hidden.size && !view.boxes.length) return all;
    const out: Edge[] = [];
    connections.forEach((c, i) => {
      const e = view.edge(c);
      if (!e) return;
      const base = all[i]!;
      out.push(e.collapsed ? { ...base, source: e.source, sourceHandle: e.sourceHandle, target: e.target, targetHandle: e.targetHandle, reconnectable: false } : base);
    });
    return out;
  }, [connections, handleKey, selectedEdges, touchedEdges, deadEdges, view]);

  const applySelect = useCallback(
    (nodeChanges: { id: string; selected: boolean }[], edgeChanges: { id: string; selected: boolean }[]) => {
      if (!nodeChanges.length && !edgeChanges.length) return;
      const cur = store.getState().selection;
      const ns = new Set(cur.nodes);
      const es = new Set(cur.edges);
      for (const c of nodeChanges) c.selected ? ns.add(c.id) : ns.delete(c.id);
      for (const c of edgeChanges) c.selected ? es.add(c.id) : es.delete(c.id);
      store.getState().select({ nodes: [...ns], edges: [...es] });
    },
    [store],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<CanvasNode>[]) => {
      const moves = new Map<string, Position>();
      let nudge = false;
      const selects: { id: string; selected: boolean }[] = [];
      let resized = false;
      for (const c of changes) {
        if ('id' in c && isBoxId(c.id)) {
          // a group box: moving it moves its members; selecting it opens its panel; its size
          // is kept like a node's, so a box rebuilt (a run's progress, say) stays shown
          if (c.type === 'dimensions' && c.dimensions) {
            const prev = measured.current.get(c.id);
            if (!prev || prev.width !== c.dimensions.width || prev.height !== c.dimensions.height) {
              measured.current.set(c.id, { width: c.dimensions.width, height: c.dimensions.height });
              resized = true;
            }
          } else if (c.type === 'position' && c.position) {
            for (const [id, p] of moveGroup(store.getState().doc, groupIdOfBox(c.id), { x: Math.round(c.position.x), y: Math.round(c.position.y) })) moves.set(id, p);
            if (!c.dragging && !dragging.current) nudge = true;
          } else if (c.type === 'select') ui.getState().setSelected(c.selected ? groupIdOfBox(c.id) : ui.getState().selected === groupIdOfBox(c.id) ? null : ui.getState().selected);
          continue;
        }
        if (c.type === 'position' && c.position) {
          moves.set(c.id, { x: Math.round(c.position.x), y: Math.round(c.position.y) });
          // arrow keys on a focused node move it without a drag: each press is an edit
          if (!c.dragging && !dragging.current) nudge = true;
        }
        else if (c.type === 'select') selects.push({ id: c.id, selected: c.selected });
        else if (c.type === 'dimensions' && c.dimensions) {
          const prev = measured.current.get(c.id);
          if (!prev || prev.width !== c.dimensions.width || prev.height !== c.dimensions.height) {
            measured.current.set(c.id, { width: c.dimensions.width, height: c.dimensions.height });
            resized = true;
          }
        }
      }
      if (moves.size) store.getState().moveNodes(moves, nudge ? { coalesce: 'nudge' } : { record: false });
      applySelect(selects, []);
      if (resized) setMeasureTick((t) => t + 1);
    },
    [store, measured, applySelect, ui],
  );

  const onNodeDoubleClick = useCallback(
    (_e: React.MouseEvent, n: Node) => {
      if (isBoxId(n.id)) ui.getState().setOpen(groupIdOfBox(n.id));
    },
    [ui],
  );

  // Enter on a focused group box opens it, as a double-click does (the keyboard had no way in
  // but the group panel's Open group button)
  const onCanvasKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>) => {
      if (e.key !== 'Enter' || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const el = e.target instanceof HTMLElement ? e.target : null;
      const id = el?.classList.contains('react-flow__node') ? el.dataset.id : undefined;
      if (id && isBoxId(id)) ui.getState().setOpen(groupIdOfBox(id));
    },
    [ui],
  );
  // a group opened or closed takes the focused box (or button) away with it: the focus goes
  // to the first node inside the opened group, or to the box of the group just closed
  const canvasRef = useRef<HTMLDivElement>(null);
  const lastOpen = useRef(openGroup);
  useEffect(() => {
    const was = lastOpen.current;
    lastOpen.current = openGroup;
    if (was === openGroup) return;
    if (openGroup) focusWhenShown(() => canvasRef.current?.querySelector<HTMLElement>('.react-flow__node'));
    else if (was) focusWhenShown(() => findByAttr(canvasRef.current, '.react-flow__node', 'data-id', boxId(was)));
  }, [openGroup]);

  const onEdgesChange = useCallback(
    (changes: EdgeChange<Edge>[]) => {
      const selects: { id: string; selected: boolean }[] = [];
      for (const c of changes) if (c.type === 'select') selects.push({ id: c.id, selected: c.selected });
      applySelect([], selects);
    },
    [applySelect],
  );

  const isValidConnection = useCallback(
    (c: RFConnection | Edge) => {
      const s = store.getState();
      const conn = toConnection(c as RFConnection, s.doc);
      if (!conn) return false;
      return canConnect(s.doc, s.catalog, conn).ok;
    },
    [store],
  );

  const onConnectStart = useCallback(
    (_e: unknown, p: OnConnectStartParams) => {
      if (!p.nodeId || !p.handleId) return;
      const s = store.getState();
      const start = resolveEnd(s.doc, p.nodeId, p.handleId);
      if (!start) return;
      const from = { node: start.node, port: start.port, kind: p.handleType };
      const memo = new Map<string, boolean>();
      setConnecting({
        active: true,
        accepts(nodeId, handleId, kind) {
          if (kind === from.kind) return false;
          const key = `${nodeId}\u0000${handleId}`;
          let ok = memo.get(key);
          if (ok === undefined) {
            const other = resolveEnd(s.doc, nodeId, handleId);
            const c: Connection | null = !other
              ? null
              : from.kind === 'source'
                ? { from: { node: from.node, port: from.port }, to: other }
                : { from: other, to: { node: from.node, port: from.port } };
            ok = c ? canConnect(s.doc, s.catalog, c).ok : false;
            memo.set(key, ok);
          }
          return ok;
        },
      });
    },
    [store],
  );

  const onConnectEnd = useCallback(
    (_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      setConnecting({ active: false, accepts: () => false });
      if (state.toHandle && state.fromHandle && !state.isValid) {
        if (state.toHandle.type === state.fromHandle.type) {
          onMessage('Connect an output (right side of a node) to an input (left side).');
          return;
        }
        const from = state.fromHandle.type === 'source' ? state.fromHandle : state.toHandle;
        const to = state.fromHandle.type === 'source' ? state.toHandle : state.fromHandle;
        if (!from.id || !to.id) return;
        const s = store.getState();
        const a = resolveEnd(s.doc, from.nodeId, from.id);
        const b = resolveEnd(s.doc, to.nodeId, to.id);
        if (!a || !b) {
          onMessage('Expose the port on the group first (select the group).');
          return;
        }
        const r = canConnect(s.doc, s.catalog, { from: a, to: b });
        if (!r.ok) onMessage(r.reason);
      }
    },
    [store, onMessage],
  );

  const onConnect = useCallback(
    (c: RFConnection) => {
      const conn = toConnection(c, store.getState().doc);
      if (!conn) return;
      const r = store.getState().connect(conn);
      if (!r.ok) onMessage(r.reason);
    },
    [store, onMessage],
  );

  const onReconnectStart = useCallback(() => {
    reconnected.current = false;
  }, []);

  const onReconnect = useCallback(
    (old: Edge, c: RFConnection) => {
      const conn = toConnection(c, store.getState().doc);
      if (!conn) return;
      reconnected.current = true;
      const r = store.getState().reconnect(old.id, conn);
      if (!r.ok) onMessage(r.reason);
    },
    [store, onMessage],
  );

  const onReconnectEnd = useCallback(
    (_e: MouseEvent | TouchEvent, edge: Edge, _h: unknown, state: FinalConnectionState) => {
      // dropped on empty canvas: the edge goes
      if (!reconnected.current && !state.toHandle) store.getState().removeConnections([edge.id]);
    },
    [store],
  );

  const onNodeDragStart = useCallback(() => {
    dragging.current = true;
    store.getState().checkpoint();
  }, [store]);
  const onNodeDragStop = useCallback(() => {
    dragging.current = false;
  }, []);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes(PALETTE_MIME)) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      const type = e.dataTransfer.getData(PALETTE_MIME);
      if (!type) return;
      e.preventDefault();
      const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      const g = store.getState().snapToGrid ? GRID : 1;
      store.getState().addNode(type, { x: Math.round(p.x / g) * g, y: Math.round(p.y / g) * g });
    },
    [rf, store],
  );

  const onPointerMove = useCallback(
    (e: React.PointerEvent) => {
      pointer.current = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    },
    [rf, pointer],
  );

  const big = doc.nodes.length > 150;

  return (
    <ConnectingContext.Provider value={connecting}>
      <div className="ps-canvas" ref={canvasRef} onKeyDown={onCanvasKeyDown} onDragOver={onDragOver} onDrop={onDrop} onPointerMove={onPointerMove} onPointerLeave={() => (pointer.current = null)}>
        <ReactFlow<CanvasNode, Edge>
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onConnectStart={onConnectStart}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onReconnect={onReconnect}
          onReconnectStart={onReconnectStart}
          onReconnectEnd={onReconnectEnd}
          onNodeDoubleClick={onNodeDoubleClick}
          nodesDraggable={!readOnly}
          nodesConnectable={!readOnly}
          edgesReconnectable={!readOnly}
          onNodeDragStart={onNodeDragStart}
          onNodeDragStop={onNodeDragStop}
          onSelectionDragStart={onNodeDragStart}
          onSelectionDragStop={onNodeDragStop}
          snapToGrid={snap}
          snapGrid={[GRID, GRID]}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
          onlyRenderVisibleElements={big}
          colorMode={colorMode}
          minZoom={0.1}
          maxZoom={2}
          fitView
          fitViewOptions={{ maxZoom: 1, padding: FIT_PADDING }}
          proOptions={{ hideAttribution: true }}
        >
          <Background variant={snap ? BackgroundVariant.Dots : BackgroundVariant.Lines} gap={GRID} size={1} />
          {/* small and only a picture: it neither pans nor zooms, and pointer events go
              through it to the canvas (styles.css), so it steals no drag from a port */}
          {minimap ? (
            <MiniMap
              className="ps-minimap"
              ariaLabel="Minimap"
              style={{ width: MINIMAP_SIZE.width, height: MINIMAP_SIZE.height }}
              nodeColor={(n) => {
                if (n.type === 'psGroup') return '#6366f1';
                const t = (n as PsNode).data?.type;
                return t ? categoryColor(t.category) : '#999';
              }}
            />
          ) : null}
          <Controls showInteractive={false} fitViewOptions={{ maxZoom: 1, padding: FIT_PADDING }}>
            <ControlButton onClick={toggleMinimap} aria-label={minimap ? 'Hide the minimap' : 'Show the minimap'} title={minimap ? 'Hide the minimap' : 'Show the minimap'} aria-pressed={minimap}>
              <svg viewBox="0 0 16 16" aria-hidden width="12" height="12">
                <rect x="1.5" y="3.5" width="13" height="9" rx="1" fill="none" stroke="currentColor" />
                <rect x="8" y="7" width="5" height="4" fill="currentColor" />
              </svg>
            </ControlButton>
          </Controls>
          <GroupOverlay store={store} />
        </ReactFlow>
      </div>
    </ConnectingContext.Provider>
  );
}

/** Whether the minimap shows (it does unless hidden before, in this browser). */
function readMinimap(): boolean {
  try {
    return globalThis.localStorage?.getItem(MINIMAP_KEY) !== 'off';
  } catch {
    return true;
  }
}

/**
 * The canvas's nodes with groups applied: members of closed groups give way to their group's
 * box, an open group shows alone. A box carries its measured size once known: React Flow
 * hides a node it has no size for until it measures it again, which a box rebuilt with the
 * same size (on a run's progress, say) may never get.
 */
export function withGroupBoxes(
  derived: CanvasNode[],
  view: GroupView,
  runs: ReadonlyMap<string, NodeRunView> | undefined,
  selectedGroup: string | null,
  measured: ReadonlyMap<string, Measured>,
): CanvasNode[] {
  if (!view.hidden.size && !view.boxes.length) return derived;
  const shown: CanvasNode[] = derived.filter((n) => !view.hidden.has(n.id));
  for (const b of view.boxes) {
    const run = groupRunStatus(b.group.members, runs);
    const m = measured.get(b.id);
    shown.push({
      id: b.id,
      type: 'psGroup',
      position: b.position,
      selected: b.group.id === selectedGroup,
      ariaLabel: `Group ${b.group.name || b.group.id}, ${b.group.members.length} node${b.group.members.length === 1 ? '' : 's'}${run ? `, ran: ${run}` : ''}`,
      ...(m ? { measured: { width: m.width, height: m.height } } : {}),
      data: { box: b, ...(run ? { run } : {}) },
    });
  }
  return shown;
}
