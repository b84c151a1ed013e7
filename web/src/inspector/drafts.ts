// Text typed into a JSON field that does not parse is not the node's value (that stays the last
// text that parsed), and it was lost as soon as the inspector showed another node or closed:
// minutes of typing gone for a missing comma. It is kept here, per flow, node and port, until
// it parses, is emptied, or the value is changed another way (undo, a paste); the field shows it
// again with its error, and the inspector lists the nodes that have one.

import { useSyncExternalStore } from 'react';

/** An unparsed draft: the text as typed and why it does not parse. */
export interface JsonDraft {
  text: string;
  error: string;
}

/** Where a draft belongs: the open flow ('' in the playground), its node and port. */
export interface DraftPlace {
  flow: string;
  node: string;
  port: string;
}

const drafts = new Map<string, JsonDraft & DraftPlace>();
const listeners = new Set<() => void>();
let version = 0;
const keyOf = (p: DraftPlace) => JSON.stringify([p.flow, p.node, p.port]);
const changed = () => {
  version++;
  listeners.forEach((f) => f());
};

export function getDraft(p: DraftPlace): JsonDraft | undefined {
  return drafts.get(keyOf(p));
}

export function setDraft(p: DraftPlace, d: JsonDraft): void {
  const had = drafts.get(keyOf(p));
  drafts.set(keyOf(p), { ...p, ...d });
  // a draft that only changed its text changes no list
  if (!had || had.error !== d.error) changed();
}

export function clearDraft(p: DraftPlace): void {
  if (drafts.delete(keyOf(p))) changed();
}

/** Forgets every draft (tests). */
export function clearAllDrafts(): void {
  drafts.clear();
  changed();
}

/** The drafts of a flow, as places with their errors (re-rendering when one comes or goes). */
export function useFlowDrafts(flow: string): (DraftPlace & JsonDraft)[] {
  useSyncExternalStore(
    (f) => {
      listeners.add(f);
      return () => listeners.delete(f);
    },
    () => version,
  );
  return [...drafts.values()].filter((d) => d.flow === flow);
}
