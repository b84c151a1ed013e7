// The node palette: search, categories, keyboard navigation (↑ ↓ Enter, Esc), and click or
// drag to place a node.

import { forwardRef, type KeyboardEvent, memo, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { CatalogIndex, NodeTypeSpec } from '../model/catalog';
import { categoryColor, iconGlyph } from './icons';
import { PALETTE_MIME } from './constants';

export interface PaletteHandle {
  focus(): void;
}

/** The types matching a search, best first: name, then id, then documentation matches. */
export function searchTypes(catalog: CatalogIndex, query: string): NodeTypeSpec[] {
  const q = query.trim().toLowerCase();
  const all = catalog.all();
  if (!q) return all;
  const score = (t: NodeTypeSpec): number => {
    const name = t.name.toLowerCase();
    if (name === q) return 5;
    if (name.startsWith(q)) return 4;
    if (name.split(/\s+/).some((w) => w.startsWith(q))) return 3;
    if (t.id.toLowerCase().includes(q)) return 2;
    if (t.category.toLowerCase().includes(q)) return 1.5;
    if (t.doc.toLowerCase().includes(q)) return 1;
    return 0;
  };
  return all
    .map((t, i) => ({ t, s: score(t), i }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.t);
}

/** A node type's name in the list for a screen reader: its name, and that it is a trigger
 * unless the name says so already ("HTTP route, trigger"; "Chat trigger"). */
export function optionName(t: Pick<NodeTypeSpec, 'name' | 'trigger'>): string {
  return t.trigger && !/\btrigger\b/i.test(t.name) ? `${t.name}, trigger` : t.name;
}

/** The id of a type's option in the list (the search names the active one with it). */
const optionId = (typeId: string) => `ps-palette-opt-${typeId}`;

function firstSentence(doc: string): string {
  const s = doc.split(/\n\n/)[0] ?? '';
  return s.replace(/[`*]/g, '').slice(0, 160);
}

export interface PaletteProps {
  catalog: CatalogIndex;
  onPlace(typeId: string): void;
  /** Escape in an empty search: where the focus goes instead (the canvas); without it the
   * search just lets go of it. */
  onLeave?(): void;
}

export const Palette = memo(forwardRef<PaletteHandle, PaletteProps>(function Palette({ catalog, onPlace, onLeave }, ref) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLDivElement>(null);
  useImperativeHandle(ref, () => ({ focus: () => input.current?.focus() }), []);

  const results = useMemo(() => searchTypes(catalog, query), [catalog, query]);
  const searching = query.trim() !== '';
  // the flat order keyboard navigation walks: search results, or expanded categories in order
  const visible = useMemo(
    () => (searching ? results : catalog.categories.flatMap((c) => (collapsed.has(c.name) ? [] : c.types))),
    [searching, results, catalog, collapsed],
  );
  const activeId = visible[Math.min(active, visible.length - 1)]?.id;

  const move = (d: number) => {
    const n = visible.length;
    if (!n) return;
    const next = (Math.min(active, n - 1) + d + n) % n;
    setActive(next);
    document.getElementById(optionId(visible[next]!.id))?.scrollIntoView?.({ block: 'nearest' });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      move(1);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      move(-1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (activeId) onPlace(activeId);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      if (query) setQuery('');
      else if (onLeave) onLeave();
      else input.current?.blur();
    }
  };

  const item = (t: NodeTypeSpec) => (
    <div
      key={t.id}
      role="option"
      id={optionId(t.id)}
      // named once: the chip read "Chat trigger trigger"
      aria-label={optionName(t)}
      aria-selected={t.id === activeId}
      data-type-id={t.id}
      className={`ps-palette-item${t.id === activeId ? ' active' : ''}`}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData(PALETTE_MIME, t.id);
        e.dataTransfer.effectAllowed = 'copy';
      }}
      onClick={() => onPlace(t.id)}
      // the pointer picks an item when it moves, not when the list changes under a resting
      // pointer (typing a search would otherwise select whatever lands under it)
      onMouseMove={() => {
        const i = visible.findIndex((v) => v.id === t.id);
        if (i !== active) setActive(i);
      }}
      title={`${t.id}\n\n${firstSentence(t.doc)}\n\nClick or drag to add.`}
    >
      <span className="ps-palette-icon" style={{ background: categoryColor(t.category) }} aria-hidden>
        {iconGlyph(t.icon, t.name)}
      </span>
      <span className="ps-palette-name">{t.name}</span>
      {t.trigger ? <span className="ps-chip">trigger</span> : null}
    </div>
  );

  return (
    <div className="ps-palette" role="region" aria-label="Node palette">
      <input
        ref={input}
        className="ps-palette-search"
        type="search"
        placeholder="Search nodes…  ( / )"
        value={query}
        aria-label="Search nodes"
        aria-controls="ps-palette-list"
        // ↑ ↓ move the active node type while the focus stays here: a screen reader follows it
        aria-activedescendant={activeId ? optionId(activeId) : undefined}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <div className="ps-palette-list" id="ps-palette-list" role="listbox" aria-label="Node types" ref={list} onKeyDown={onKeyDown}>
        {searching ? (
          results.length ? (
            results.map(item)
          ) : (
            <div className="ps-empty">No node matches “{query}”.</div>
          )
        ) : (
          catalog.categories.map((c) => (
            <div key={c.name} className="ps-palette-category">
              <button
                type="button"
                className="ps-palette-category-title"
                aria-expanded={!collapsed.has(c.name)}
                onClick={() =>
                  setCollapsed((s) => {
                    const n = new Set(s);
                    if (n.has(c.name)) n.delete(c.name);
                    else n.add(c.name);
                    return n;
                  })
                }
              >
                <span>{collapsed.has(c.name) ? '▸' : '▾'}</span> {c.name} <span className="ps-count">{c.types.length}</span>
              </button>
              {collapsed.has(c.name) ? null : c.types.map(item)}
            </div>
          ))
        )}
      </div>
    </div>
  );
}));
