// What the editor's components share: the open flow's store and the lists pickers offer.

import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { EditorActions, EditorState, EditorStore } from '../store/editor';

/** A flow of the project, as the flow picker offers it. */
export interface FlowChoice {
  id: string;
  name: string;
  /** route, schedule, blueprint, service… */
  kind: string;
}

/** Where another flow of the project opens: its address and how to go there. */
export interface FlowLinks {
  href(id: string): string;
  open(id: string): void;
}

export interface EditorEnv {
  store: EditorStore;
  /** Secret keys of the project (for the secret picker). */
  secretKeys: string[];
  /** Environment variable names of the project (for the env picker and {{ env. }}). */
  envKeys: string[];
  /** The project's flows (for the flow picker; the open one is left out there). */
  flows: FlowChoice[];
  /** The id of the open flow ('' where there is none, as in the playground). */
  flowId: string;
  /** Where the inspector's unparsed JSON drafts of this flow are kept across reloads
   * (tenant/project/flow; '' keeps them in the page only, as in the playground). */
  draftScope: string;
  /** Opens another flow of the project; absent where the editor has nowhere to go. */
  flowLinks?: FlowLinks | undefined;
  /** The signed-in member may only look (a viewer): nothing offers a change. */
  readOnly: boolean;
}

export const EditorContext = createContext<EditorEnv | null>(null);

export function useEditorEnv(): EditorEnv {
  const env = useContext(EditorContext);
  if (!env) throw new Error('useEditorEnv outside an EditorContext');
  return env;
}

/** Selects from the open flow's store. */
export function useEditor<T>(selector: (s: EditorState & EditorActions) => T): T {
  return useStore(useEditorEnv().store, selector);
}

/** The store's actions (stable; they never change identity). */
export function useActions(): EditorActions {
  return useEditorEnv().store.getState();
}
