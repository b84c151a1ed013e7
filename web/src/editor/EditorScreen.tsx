// The flow editor: toolbar, palette, canvas, inspector and problems, with the keyboard
// shortcuts and the system clipboard wired to the open flow's store.

import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { type ReactNode, type Ref, useCallback, useDeferredValue, useEffect, useId, useImperativeHandle, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { Canvas } from '../canvas/Canvas';
import { findByAttr, focusAfterRemoval, focusWhenShown } from '../canvas/focusAfter';
import { ConnectDialog } from '../canvas/ConnectDialog';
import type { Measured } from '../canvas/derive';
import type { NodeRunView } from '../canvas/NodeView';
import { Palette, type PaletteHandle } from '../canvas/Palette';
import { FIT_PADDING, GRID } from '../canvas/constants';
import { GroupButton, groupSelection } from '../groups/GroupControls';
import { findGroup, groupOfNode } from '../groups/model';
import { groupUi } from '../groups/state';
import { boxId } from '../groups/view';
import { preloadCodeEditor } from '../inspector/editors';
import { Inspector } from '../inspector/Inspector';
import type { Position } from '../model/flow';
import { DEFAULT_NODE_SIZE, placement } from '../model/layout';
import { type Problem, validateDocument } from '../model/validate';
import type { EditorStore } from '../store/editor';
import { PHONE, useMediaQuery } from '../ui/media';
import type { Theme } from '../ui/theme';
import { EditorContext, type EditorEnv, type FlowChoice, type FlowLinks } from './context';
import { LOOK_ACTIONS, shortcutFor } from './shortcuts';
import { useStructuralDoc } from './structural';
import { ShortcutSheet } from './ShortcutSheet';
import { useRovingToolbar } from './toolbar';

export interface EditorScreenProps {
  store: EditorStore;
  title: ReactNode;
  /** The save indicator (saved / unsaved / error). */
  status?: ReactNode;
  /** Extra toolbar controls (import/export, run, publish…). */
  actions?: ReactNode;
  /** Problems the server reported, shown with the editor's own. */
  serverProblems?: Problem[] | undefined;
  /** What the problems panel says about the server's check of the draft. */
  problemsNote?: ReactNode;
  runs?: ReadonlyMap<string, NodeRunView>;
  /** Edges a run went along and edges it found dead (see store/run.ts edgeStates). */
  touchedEdges?: ReadonlySet<string>;
  deadEdges?: ReadonlySet<string>;
  /** Secret keys of the project (the secret picker offers them). */
  secretKeys?: string[];
  /** Environment variable names of the project (the env picker and {{ env. }} offer them). */
  envKeys?: string[];
  /** The project's flows (the flow picker offers them, except the open one). */
  flows?: FlowChoice[];
  /** The id of the open flow. */
  flowId?: string;
  /** Where unparsed JSON drafts are kept across reloads (tenant/project/flow); by default the flow's id. */
  draftScope?: string;
  /** Opens another flow of the project (the flow picker's Open link). */
  flowLinks?: FlowLinks;
  theme: Theme;
  onTheme(t: Theme): void;
  /** The signed-in member may only look (a viewer): the canvas, palette and inspector offer
   * no changes and the store refuses them; selecting, copying and runs' states still show. */
  readOnly?: boolean;
  /** What the editor does for controls outside it (the publish banner's Show). */
  handle?: Ref<EditorHandle>;
  /** The node types an empty flow offers to start with (its kind's trigger), as buttons. */
  starters?: readonly string[];
}

/** The editor's actions for what sits around it. */
export interface EditorHandle {
  /** Selects the node and brings it into view (opening its group), as the problems list does. */
  showNode(id: string): void;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function isEditableTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  if (t.isContentEditable) return true;
  if (t.closest('.cm-editor')) return true;
  // keys pressed in a dialog (on its buttons too) are the dialog's, not the canvas's
  if (t.closest('[role="dialog"]')) return true;
  const tag = t.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
}

/**
 * Keys pressed in the palette, the inspector, a side panel (publishing, chat), the run panel or
 * the history are theirs: from there only undo, redo and the shortcut sheet reach the canvas.
 * Delete on a focused inspector button removed the node it showed.
 */
const PANEL_ACTIONS: ReadonlySet<string> = new Set(['undo', 'redo', 'shortcuts']);
function inPanel(t: EventTarget | null): boolean {
  return t instanceof HTMLElement && t.closest('aside, .ps-palette, .ps-palette-over, .ps-run-panel, .ps-run-history') !== null;
}

function groupProblems(list: Problem[]): Map<string, Problem[]> {
  const m = new Map<string, Problem[]>();
  for (const p of list) {
    if (!p.node) continue;
    const l = m.get(p.node) ?? [];
    l.push(p);
    m.set(p.node, l);
  }
  return m;
}

function Editor(props: EditorScreenProps) {
  const { store, theme } = props;
  const readOnly = props.readOnly ?? false;
  const rf = useReactFlow();
  const doc = useStore(store, (s) => s.doc);
  const catalog = useStore(store, (s) => s.catalog);
  const canUndo = useStore(store, (s) => s.past.length > 0);
  const canRedo = useStore(store, (s) => s.future.length > 0);
  const snap = useStore(store, (s) => s.snapToGrid);
  const [sheet, setSheet] = useState(false);
  // the node whose output the keyboard connect dialog connects (null: closed)
  const [connectFrom, setConnectFrom] = useState<string | null>(null);
  const [problemsOpen, setProblemsOpen] = useState(false);
  const problemsButton = useRef<HTMLButtonElement>(null);
  const toolbar = useRef<HTMLElement>(null);
  useRovingToolbar(toolbar);
  const [message, setMessage] = useState<string | null>(null);
  const palette = useRef<PaletteHandle>(null);
  // On a phone-sized window the palette took half of it (232 of 480 px): there it is a slim rail
  // whose + opens it over the canvas, closed again by its «, Escape, a click beside it, or
  // placing a node (like the project panel there).
  const phone = useMediaQuery(PHONE);
  const [paletteOpen, setPaletteOpen] = useState(false);
  const paletteOver = phone && paletteOpen;
  const paletteButton = useRef<HTMLButtonElement>(null);
  const paletteId = useId();
  // dragging a node type out of it: it makes way for the drop on the canvas under it
  const [paletteDrag, setPaletteDrag] = useState(false);
  const measured = useRef(new Map<string, Measured>());
  const pointer = useRef<Position | null>(null);
  const canvasBox = useRef<HTMLDivElement>(null);

  const say = useCallback((text: string) => setMessage(text), []);
  useEffect(preloadCodeEditor, []);
  useEffect(() => {
    if (!message) return;
    const t = setTimeout(() => setMessage(null), 4000);
    return () => clearTimeout(t);
  }, [message]);

  // validation runs on a deferred copy, so typing and dragging stay smooth
  const structural = useStructuralDoc(doc);
  const deferred = useDeferredValue(structural);
  const local = useMemo(() => validateDocument(deferred, catalog), [deferred, catalog]);
  const allProblems = useMemo(() => [...local, ...(props.serverProblems ?? [])], [local, props.serverProblems]);
  const lastKey = useRef('');
  const lastMap = useRef(new Map<string, Problem[]>());
  const problems = useMemo(() => {
    const key = allProblems.map((p) => `${p.node}|${p.port}|${p.message}`).join('\n');
    if (key !== lastKey.current) {
      lastKey.current = key;
      lastMap.current = groupProblems(allProblems);
    }
    return lastMap.current;
  }, [allProblems]);

  const viewportCenter = useCallback((): Position => {
    const r = canvasBox.current?.getBoundingClientRect();
    if (!r) return { x: 0, y: 0 };
    const p = rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
    return { x: p.x - DEFAULT_NODE_SIZE.width / 2, y: p.y - DEFAULT_NODE_SIZE.height / 2 };
  }, [rf]);

  const place = useCallback(
    (typeId: string) => {
      const s = store.getState();
      // right of the one selected node (the next step), else the view's middle; clear of the others
      const after = s.selection.nodes.length === 1 ? s.doc.nodes.find((n) => n.id === s.selection.nodes[0]) : undefined;
      const p = placement(s.doc.nodes, measured.current, after, viewportCenter());
      const g = s.snapToGrid ? GRID : 1;
      const at = { x: Math.round(p.x / g) * g, y: Math.round(p.y / g) * g };
      const id = s.addNode(typeId, at);
      if (!id) return null;
      say(`Added ${catalog.get(typeId)?.name ?? typeId}`);
      // brought into view when it landed past the edge
      const r = canvasBox.current?.getBoundingClientRect();
      if (!r) return id;
      const a = rf.flowToScreenPosition(at);
      const b = rf.flowToScreenPosition({ x: at.x + DEFAULT_NODE_SIZE.width, y: at.y + DEFAULT_NODE_SIZE.height });
      if (a.x < r.left || a.y < r.top || b.x > r.right || b.y > r.bottom)
        void rf.setCenter(at.x + DEFAULT_NODE_SIZE.width / 2, at.y + DEFAULT_NODE_SIZE.height / 2, { zoom: rf.getZoom(), duration: 200 });
      return id;
    },
    [store, viewportCenter, catalog, say, rf],
  );
  // An empty flow opened with the focus nowhere (the new-flow form it was created in went, or the
  // page just loaded): its first starter button takes it, the step a keyboard user takes next.
  const emptyBox = useRef<HTMLDivElement>(null);
  const empty = doc.nodes.length === 0;
  useEffect(() => {
    if (!empty || readOnly) return;
    const raf = requestAnimationFrame(() => {
      const now = document.activeElement;
      if (now && now !== document.body && now.isConnected) return;
      emptyBox.current?.querySelector<HTMLElement>('button')?.focus();
    });
    return () => cancelAnimationFrame(raf);
  }, [empty, readOnly]);
  /** Gives the keyboard focus to a canvas node (or group box) once React Flow shows it. */
  const focusWhenShownId = useCallback((rfId: string) => focusWhenShown(() => findByAttr(canvasBox.current, '.react-flow__node', 'data-id', rfId)), []);
  // Escape in the palette's empty search goes back to the canvas: the one selected node, else
  // the canvas itself (the search only blurred, leaving the focus on the page's body, where Tab
  // started over at the top bar)
  const leavePalette = useCallback(() => {
    if (phone) {
      // over the canvas: it closes, the keyboard back on the + that opened it
      setPaletteOpen(false);
      paletteButton.current?.focus();
      return;
    }
    const sel = store.getState().selection.nodes;
    const el = sel.length === 1 ? findByAttr(canvasBox.current, '.react-flow__node', 'data-id', sel[0]!) : null;
    (el ?? canvasBox.current)?.focus();
  }, [store, phone]);
  // An empty canvas's starter button goes with the node it adds: the focus moves to that node
  // (it went to the page's body, so the keyboard started over at the top bar).
  const placeStarter = useCallback(
    (typeId: string) => {
      const id = place(typeId);
      if (id) focusWhenShownId(id);
    },
    [place, focusWhenShownId],
  );

  // Over the canvas, a node placed from the palette closes it and takes the keyboard, as a
  // starter button's does (beside the canvas the palette stays, for the next one).
  const placeFromPalette = useCallback(
    (typeId: string) => {
      if (!phone) return void place(typeId);
      const id = place(typeId);
      setPaletteOpen(false);
      if (id) focusWhenShownId(id);
    },
    [phone, place, focusWhenShownId],
  );
  // narrowed to a phone's width (or widened from it), it starts closed over the canvas
  useEffect(() => setPaletteOpen(false), [phone]);
  // opened over the canvas: the keyboard goes to its search, as into a dialog
  useEffect(() => {
    if (paletteOver) palette.current?.focus();
    else setPaletteDrag(false);
  }, [paletteOver]);

  const fit = useCallback(() => void rf.fitView({ padding: FIT_PADDING, duration: 200, maxZoom: 1 }), [rf]);
  const layout = useCallback(() => {
    store.getState().autoLayout(measured.current, groupUi(store).getState().open);
    requestAnimationFrame(() => void rf.fitView({ padding: FIT_PADDING, duration: 200, maxZoom: 1 }));
  }, [store, rf]);

  const focusNode = useCallback(
    (id: string) => {
      // a node inside a group shows when its group is open; one outside, at the top level
      const g = groupOfNode(store.getState().doc, id);
      const ui = groupUi(store);
      const want = g?.id ?? null;
      const moved = ui.getState().open !== want;
      if (moved) ui.getState().setOpen(want);
      store.getState().select({ nodes: [id], edges: [] });
      const fitTo = () => void rf.fitView({ nodes: [{ id }], maxZoom: 1.2, duration: 300, padding: 0.5 });
      if (moved) requestAnimationFrame(() => requestAnimationFrame(fitTo));
      else fitTo();
    },
    [store, rf],
  );
  useImperativeHandle(props.handle, () => ({ showNode: focusNode }), [focusNode]);

  // C (or the inspector's Connect…): the focused node, else the one selected node
  const startConnect = useCallback(
    (nodeId?: string) => {
      const s = store.getState();
      const focused = document.activeElement instanceof HTMLElement ? document.activeElement.closest<HTMLElement>('.react-flow__node')?.dataset.id : undefined;
      const id = nodeId ?? (focused && s.doc.nodes.some((n) => n.id === focused) ? focused : s.selection.nodes.length === 1 ? s.selection.nodes[0] : undefined);
      if (!id) {
        say(focused ? 'Open the group to connect the nodes inside it.' : 'Select one node (or Tab to it), then press C to connect one of its outputs.');
        return;
      }
      setConnectFrom(id);
    },
    [store, say],
  );

  // the dialog closed: focus went back where it was (Modal); when that was nowhere (the node
  // was selected with the mouse or by the store), it goes to the node on the canvas
  const connectedFrom = useRef<string | null>(null);
  useEffect(() => {
    if (connectFrom !== null) {
      connectedFrom.current = connectFrom;
      return;
    }
    const id = connectedFrom.current;
    connectedFrom.current = null;
    const now = document.activeElement;
    // (the canvas box itself, focused by a click on the pane, counts as nowhere)
    if (id === null || (now instanceof HTMLElement && now !== document.body && now !== canvasBox.current && now.isConnected)) return;
    const el = [...(canvasBox.current?.querySelectorAll<HTMLElement>('.react-flow__node') ?? [])].find((n) => n.dataset.id === id);
    el?.focus();
  }, [connectFrom]);

  useEffect(() => {
    // the members of the selected group box: deleting, copying or duplicating the box acts on them
    const boxMembers = (): string[] => {
      const sel = groupUi(store).getState().selected;
      return (sel && findGroup(store.getState().doc, sel)?.members) || [];
    };
    const onKey = (e: KeyboardEvent) => {
      if (sheet || connectFrom !== null || e.defaultPrevented) return;
      if (isEditableTarget(e.target)) return;
      const action = shortcutFor(e, isMac);
      if (!action) return;
      if (readOnly && !LOOK_ACTIONS.has(action)) return;
      if (inPanel(e.target) && !PANEL_ACTIONS.has(action)) return;
      const s = store.getState();
      e.preventDefault();
      switch (action) {
        case 'undo':
          s.undo();
          break;
        case 'redo':
          s.redo();
          break;
        case 'delete': {
          // the focused node (or connection) going took the focus to the page's body: it goes
          // to the next node (connection) on the canvas, else a node, else the canvas itself,
          // so Tab and the canvas keys carry on from there
          const was = document.activeElement?.closest<HTMLElement | SVGElement>('.react-flow__node, .react-flow__edge');
          const sel = was?.classList.contains('react-flow__edge') ? '.react-flow__edge' : '.react-flow__node';
          const els = () => [...(canvasBox.current?.querySelectorAll<HTMLElement | SVGElement>(sel) ?? [])];
          const focused = was?.dataset.id;
          const order = els().map((el) => el.dataset.id ?? '');
          // a selected group box goes with the nodes inside it (undo brings them back)
          s.removeSelection(boxMembers());
          groupUi(store).getState().setSelected(null);
          if (focused)
            requestAnimationFrame(() => {
              const now = document.activeElement;
              if (now && now !== document.body && now.isConnected) return;
              const left = els();
              const next = focusAfterRemoval(order, focused, new Set(left.map((el) => el.dataset.id ?? '')));
              (left.find((el) => el.dataset.id === next) ?? canvasBox.current?.querySelector<HTMLElement>('.react-flow__node') ?? canvasBox.current)?.focus();
            });
          break;
        }
        case 'duplicate':
          s.duplicateSelection(boxMembers());
          break;
        case 'selectAll':
          s.selectAll();
          break;
        case 'clearSelection':
          s.clearSelection();
          break;
        case 'fitView':
          fit();
          break;
        case 'autoLayout':
          layout();
          break;
        case 'toggleGrid':
          s.setSnapToGrid(!s.snapToGrid);
          say(s.snapToGrid ? 'Snap to grid off' : 'Snap to grid on');
          break;
        case 'focusPalette':
          // over the canvas it opens first (and takes the keyboard once shown)
          if (phone && !paletteOpen) setPaletteOpen(true);
          else palette.current?.focus();
          break;
        case 'group': {
          if (!s.selection.nodes.length) break;
          say(groupSelection(store));
          // the focused node went into the group: the focus goes to the group's box
          const made = groupUi(store).getState().selected;
          if (made) focusWhenShownId(boxId(made));
          break;
        }
        case 'connect':
          startConnect();
          break;
        case 'shortcuts':
          setSheet(true);
          break;
      }
    };
    const onCopy = (e: ClipboardEvent) => {
      if (isEditableTarget(e.target) || isEditableTarget(document.activeElement)) return;
      const also = boxMembers();
      const text = store.getState().copySelection(also);
      if (!text || !e.clipboardData) return;
      e.clipboardData.setData('text/plain', text);
      e.preventDefault();
      if (e.type === 'cut' && !readOnly) {
        store.getState().removeSelection(also);
        if (also.length) groupUi(store).getState().setSelected(null);
      }
    };
    const onPaste = (e: ClipboardEvent) => {
      if (readOnly || isEditableTarget(e.target) || isEditableTarget(document.activeElement)) return;
      const text = e.clipboardData?.getData('text/plain');
      if (!text) return;
      const ids = store.getState().paste(text, pointer.current ?? undefined);
      if (ids.length) {
        e.preventDefault();
        say(`Pasted ${ids.length} node${ids.length === 1 ? '' : 's'}`);
      }
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('copy', onCopy);
    window.addEventListener('cut', onCopy);
    window.addEventListener('paste', onPaste);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('copy', onCopy);
      window.removeEventListener('cut', onCopy);
      window.removeEventListener('paste', onPaste);
    };
  }, [store, sheet, connectFrom, fit, layout, say, readOnly, startConnect, phone, paletteOpen]);

  // warnings (the server's, flagged) are listed apart and never counted as problems
  const errorList = useMemo(() => allProblems.filter((p) => !p.warning), [allProblems]);
  const warningList = useMemo(() => allProblems.filter((p) => p.warning), [allProblems]);
  const problemCount = errorList.length;
  const warningCount = warningList.length;
  const warningsText = warningCount ? ` · ${warningCount} warning${warningCount === 1 ? '' : 's'}` : '';
  const problemItem = (p: Problem, i: number) => {
    const n = p.node ? doc.nodes.find((x) => x.id === p.node) : undefined;
    return (
      <li key={i} className={p.warning ? 'ps-warning-item' : undefined}>
        <button type="button" className="ps-link" disabled={!n} onClick={() => n && focusNode(n.id)}>
          {p.warning ? <span className="ps-sr-only">Warning: </span> : null}
          <span className="ps-mono">{n ? `${n.handle}${p.port ? `.${p.port}` : ''}` : p.path}</span> {p.message}
        </button>
      </li>
    );
  };

  return (
    <div className="ps-editor">
      {/* one Tab stop; ← → Home End move between its buttons (editor/toolbar.ts) */}
      <header className="ps-toolbar" role="toolbar" aria-label="Flow" ref={toolbar}>
        <div className="ps-toolbar-title">{props.title}</div>
        {readOnly ? null : (
          <div className="ps-toolbar-group">
            <button type="button" className="ps-icon-button" title="Undo (Ctrl+Z)" aria-label="Undo" disabled={!canUndo} onClick={() => store.getState().undo()}>
              ↶
            </button>
            <button type="button" className="ps-icon-button" title="Redo (Ctrl+Shift+Z)" aria-label="Redo" disabled={!canRedo} onClick={() => store.getState().redo()}>
              ↷
            </button>
          </div>
        )}
        <div className="ps-toolbar-group">
          <button type="button" className="ps-button ps-small" onClick={fit} title="Fit view (F)">
            Fit
          </button>
          {readOnly ? null : (
            <button type="button" className="ps-button ps-small" onClick={layout} title="Auto-layout (Shift+L)">
              Layout
            </button>
          )}
          <button type="button" className={`ps-button ps-small${snap ? ' on' : ''}`} aria-pressed={snap} onClick={() => store.getState().setSnapToGrid(!snap)} title="Snap to grid (G)">
            Grid
          </button>
        </div>
        {readOnly ? null : (
          <div className="ps-toolbar-group">
            <GroupButton store={store} onMessage={say} />
          </div>
        )}
        <button
          type="button"
          ref={problemsButton}
          className={`ps-button ps-small ps-problems-button${problemCount ? ' has' : warningCount ? ' has-warnings' : ''}`}
          aria-expanded={problemsOpen}
          aria-controls={problemsOpen ? 'ps-problems-panel' : undefined}
          onClick={() => setProblemsOpen((o) => !o)}
          onKeyDown={(e) => {
            if (e.key !== 'Escape' || !problemsOpen) return;
            e.preventDefault();
            e.stopPropagation();
            setProblemsOpen(false);
          }}
          title={warningCount ? 'Validation problems and warnings (warnings do not stop a run or a publish)' : 'Validation problems'}
        >
          {problemCount ? `⚠ ${problemCount} problem${problemCount === 1 ? '' : 's'}` : '✓ No problems'}
          {warningsText}
        </button>
        <div className="ps-toolbar-spacer" />
        {props.status}
        {props.actions}
        <button type="button" className="ps-icon-button" title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts" onClick={() => setSheet(true)}>
          ?
        </button>
        <button type="button" className="ps-icon-button" title="Light or dark theme" aria-label="Toggle theme" onClick={() => props.onTheme(theme === 'dark' ? 'light' : 'dark')}>
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <div className={`ps-editor-body${readOnly ? ' read-only' : phone ? ' palette-over' : ''}`}>
        {readOnly ? null : phone ? (
          <>
            <div className="ps-palette-rail">
              <button
                type="button"
                ref={paletteButton}
                className="ps-icon-button"
                aria-label="Node palette"
                aria-expanded={paletteOpen}
                aria-controls={paletteOpen ? paletteId : undefined}
                title="Add a node: show the node palette (/)"
                onClick={() => setPaletteOpen((o) => !o)}
              >
                +
              </button>
            </div>
            {paletteOpen ? (
              <>
                <div className={`ps-palette-backdrop${paletteDrag ? ' dragging' : ''}`} aria-hidden onClick={() => setPaletteOpen(false)} />
                <div
                  className={`ps-palette-over${paletteDrag ? ' dragging' : ''}`}
                  id={paletteId}
                  onKeyDown={(e) => {
                    // the search's Escape clears it first (and, empty, closes it itself)
                    if (e.key !== 'Escape' || e.defaultPrevented) return;
                    e.preventDefault();
                    leavePalette();
                  }}
                  // later than the drag's start: hidden at once, the browser would cancel the drag
                  onDragStart={() => setTimeout(() => setPaletteDrag(true))}
                  onDragEnd={() => setPaletteOpen(false)}
                >
                  <div className="ps-palette-over-head">
                    <span>Add a node</span>
                    <button type="button" className="ps-icon-button" aria-label="Hide the node palette" title="Hide the node palette (Escape)" onClick={leavePalette}>
                      «
                    </button>
                  </div>
                  <Palette ref={palette} catalog={catalog} onPlace={placeFromPalette} onLeave={leavePalette} />
                </div>
              </>
            ) : null}
          </>
        ) : (
          <Palette ref={palette} catalog={catalog} onPlace={place} onLeave={leavePalette} />
        )}
        {/* focusable from script (tabIndex -1): where the focus goes when the last focused node is deleted */}
        <div className="ps-canvas-box" ref={canvasBox} tabIndex={-1}>
          <Canvas problems={problems} runs={props.runs} touchedEdges={props.touchedEdges} deadEdges={props.deadEdges} colorMode={theme} measured={measured} pointer={pointer} onMessage={say} />
          {doc.nodes.length === 0 ? (
            <div className="ps-canvas-empty" ref={emptyBox}>
              <p>This flow is empty.</p>
              <p className="ps-hint">{readOnly ? 'An editor or admin of the project can add nodes to it.' : 'Start with a trigger from the palette, or paste a flow (Ctrl+V).'}</p>
              {readOnly
                ? null
                : (props.starters ?? [])
                    .filter((id) => catalog.get(id))
                    .map((id) => (
                      <button key={id} type="button" className="ps-button" onClick={() => placeStarter(id)}>
                        Add {catalog.get(id)!.name}
                      </button>
                    ))}
            </div>
          ) : null}
          {problemsOpen ? (
            <div
              className="ps-problems-panel"
              id="ps-problems-panel"
              role="region"
              aria-label="Problems"
              onKeyDown={(e) => {
                // Escape closes the list and gives the focus back to its button
                if (e.key !== 'Escape') return;
                e.preventDefault();
                e.stopPropagation();
                setProblemsOpen(false);
                problemsButton.current?.focus();
              }}
            >
              {props.problemsNote ? <div className="ps-problems-note">{props.problemsNote}</div> : null}
              {problemCount === 0 ? <div className="ps-empty">No problems.</div> : null}
              {problemCount ? <ul>{errorList.map(problemItem)}</ul> : null}
              {warningCount ? (
                <>
                  <div className="ps-problems-heading" id="ps-warnings-heading">
                    △ {warningCount} warning{warningCount === 1 ? '' : 's'}: valid, but likely not meant (they do not stop a run or a publish)
                  </div>
                  <ul className="ps-warnings" aria-labelledby="ps-warnings-heading">
                    {warningList.map(problemItem)}
                  </ul>
                </>
              ) : null}
            </div>
          ) : null}
          <div className="ps-toast" role="status" aria-live="polite">
            {message}
          </div>
        </div>
        <Inspector problems={problems} onConnect={readOnly ? undefined : startConnect} />
      </div>
      {sheet ? <ShortcutSheet mac={isMac} readOnly={readOnly} onClose={() => setSheet(false)} /> : null}
      {connectFrom !== null && !readOnly ? <ConnectDialog store={store} node={connectFrom} onClose={() => setConnectFrom(null)} onMessage={say} /> : null}
    </div>
  );
}

const NONE: string[] = [];
const NO_FLOWS: FlowChoice[] = [];

export function EditorScreen(props: EditorScreenProps) {
  const { store, secretKeys, envKeys, flows, flowId, flowLinks, draftScope } = props;
  const readOnly = props.readOnly ?? false;
  // the store refuses edits too, so nothing (a shortcut, a paste, a stray control) changes the flow
  if (store.getState().readOnly !== readOnly) store.getState().setReadOnly(readOnly);
  const env: EditorEnv = useMemo(
    () => ({ store, secretKeys: secretKeys ?? NONE, envKeys: envKeys ?? NONE, flows: flows ?? NO_FLOWS, flowId: flowId ?? '', draftScope: draftScope ?? flowId ?? '', flowLinks, readOnly }),
    [store, secretKeys, envKeys, flows, flowId, draftScope, flowLinks, readOnly],
  );
  return (
    <EditorContext.Provider value={env}>
      <ReactFlowProvider>
        <Editor {...props} />
      </ReactFlowProvider>
    </EditorContext.Provider>
  );
}
