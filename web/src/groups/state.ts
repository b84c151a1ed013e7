// The group state of one open flow's canvas that is not part of the document: which group
// is entered (its inside shown) and which group box is selected.

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EditorStore } from '../store/editor';

export interface GroupUi {
  open: string | null;
  selected: string | null;
  setOpen(id: string | null): void;
  setSelected(id: string | null): void;
}

const uis = new WeakMap<EditorStore, StoreApi<GroupUi>>();

/** The group state of an editor store (one per open flow, created on first use). */
export function groupUi(store: EditorStore): StoreApi<GroupUi> {
  let ui = uis.get(store);
  if (!ui) {
    ui = createStore<GroupUi>()((set) => ({
      open: null,
      selected: null,
      setOpen: (open) => set({ open, selected: null }),
      setSelected: (selected) => set({ selected }),
    }));
    uis.set(store, ui);
  }
  return ui;
}
