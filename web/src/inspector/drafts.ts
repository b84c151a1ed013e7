// Text typed into a JSON field that does not parse is not the node's value (that stays the last
// text that parsed), and it was lost as soon as the inspector showed another node or closed:
// minutes of typing gone for a missing comma. It is kept here, per flow, node and port, until
// it parses, is emptied, or the value is changed another way (undo, a paste); the field shows it
// again with its error, and the inspector lists the nodes that have one.
//
// It is also kept across a reload of the page, in sessionStorage (`ps.jsonDrafts:` and the
// flow's scope, tenant/project/flow): per browser tab, so another tab with the same flow
// neither sees nor overwrites this tab's drafts (its own changes to the value are caught by
// `base`, below), and nothing outlives the tab. Each draft keeps the field's value it was typed
// over (`base`, and `from`, the value when the typing began); opening the flow again drops a
// draft whose node or field is gone or whose value is neither (changed since by another tab, a
// collaborator, a restored version).

import { useSyncExternalStore } from 'react';

/** An unparsed draft: the text as typed and why it does not parse. */
export interface JsonDraft {
  text: string;
  error: string;
  /** The field's value the text was typed over, as `valueKey` writes it. */
  base: string;
  /** The field's value when this typing began (text that parsed on the way, `{}` say, may not be
   * saved yet when the page is reloaded): the draft is over either. */
  from: string;
}

/** Where a draft belongs: the open flow's scope ('' in the playground: not stored), its node and port. */
export interface DraftPlace {
  flow: string;
  node: string;
  port: string;
}

type Draft = JsonDraft & DraftPlace;

const PREFIX = 'ps.jsonDrafts:';
const drafts = new Map<string, Draft>();
/** The scopes read from sessionStorage in this page. */
const loaded = new Set<string>();
const listeners = new Set<() => void>();
let version = 0;
const keyOf = (p: DraftPlace) => JSON.stringify([p.flow, p.node, p.port]);
const changed = () => {
  version++;
  listeners.forEach((f) => f());
};

const storage = (): Storage | null => {
  try {
    return typeof sessionStorage !== 'undefined' ? sessionStorage : null;
  } catch {
    return null; // storage turned off
  }
};

/** Whether a draft is over this value of its field (its base, or the value its typing began from). */
export const draftOver = (d: Pick<JsonDraft, 'base' | 'from'>, value: unknown): boolean => [d.base, d.from].includes(valueKey(value));

/** A value as drafts compare it: JSON with object keys sorted (the server may reorder them); '' for none. */
export function valueKey(v: unknown): string {
  const sort = (x: unknown): unknown => (Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])])) : x);
  return v === undefined ? '' : (JSON.stringify(sort(v)) ?? '');
}

/** Reads the scope's stored drafts into memory, once per page. */
function load(scope: string): void {
  if (!scope || loaded.has(scope)) return;
  loaded.add(scope);
  let stored: unknown;
  try {
    stored = JSON.parse(storage()?.getItem(PREFIX + scope) ?? '[]');
  } catch {
    stored = [];
  }
  if (!Array.isArray(stored)) return;
  for (const d of stored as Partial<Draft>[]) {
    if (typeof d?.node !== 'string' || typeof d.port !== 'string' || typeof d.text !== 'string' || typeof d.error !== 'string' || typeof d.base !== 'string' || typeof d.from !== 'string') continue;
    const place = { flow: scope, node: d.node, port: d.port };
    if (!drafts.has(keyOf(place))) drafts.set(keyOf(place), { ...place, text: d.text, error: d.error, base: d.base, from: d.from });
  }
}

/** Writes the scope's drafts to sessionStorage (none: the key goes). */
function save(scope: string): void {
  if (!scope) return;
  const mine = [...drafts.values()].filter((d) => d.flow === scope).map(({ node, port, text, error, base, from }) => ({ node, port, text, error, base, from }));
  try {
    if (mine.length) storage()?.setItem(PREFIX + scope, JSON.stringify(mine));
    else storage()?.removeItem(PREFIX + scope);
  } catch {
    // full (a very long text): kept in this page only
  }
}

export function getDraft(p: DraftPlace): JsonDraft | undefined {
  load(p.flow);
  return drafts.get(keyOf(p));
}

export function setDraft(p: DraftPlace, d: JsonDraft): void {
  load(p.flow);
  const had = drafts.get(keyOf(p));
  drafts.set(keyOf(p), { ...p, ...d });
  save(p.flow);
  // a draft that only changed its text changes no list
  if (!had || had.error !== d.error) changed();
}

export function clearDraft(p: DraftPlace): void {
  load(p.flow);
  if (drafts.delete(keyOf(p))) {
    save(p.flow);
    changed();
  }
}

/** Drops the scope's drafts that `keep` refuses (the flow as it opened: its node or field gone, its value changed). */
export function pruneDrafts(scope: string, keep: (d: Readonly<Draft>) => boolean): void {
  load(scope);
  let dropped = false;
  for (const [k, d] of drafts) {
    if (d.flow === scope && !keep(d)) {
      drafts.delete(k);
      dropped = true;
    }
  }
  if (dropped) {
    save(scope);
    changed();
  }
}

/** Forgets every draft, stored ones too (tests). */
export function clearAllDrafts(): void {
  const st = storage();
  if (st) for (const k of Object.keys(st)) if (k.startsWith(PREFIX)) st.removeItem(k);
  drafts.clear();
  loaded.clear();
  changed();
}

/** Forgets what this page read, as a reload does, leaving sessionStorage as it is (tests). */
export function forgetLoadedDrafts(): void {
  drafts.clear();
  loaded.clear();
  changed();
}

/** The drafts of a flow, as places with their errors (re-rendering when one comes or goes). */
export function useFlowDrafts(flow: string): Draft[] {
  useSyncExternalStore(
    (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    () => version,
  );
  load(flow);
  return [...drafts.values()].filter((d) => d.flow === flow);
}
