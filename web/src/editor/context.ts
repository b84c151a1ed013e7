// What the editor's components share: the open flow's store and the lists pickers offer.

import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { EditorActions, EditorState, EditorStore } from '../store/editor';

export interface EditorEnv {
  store: EditorStore;
  /** Secret keys of the project (for the secret picker). */
  secretKeys: string[];
  /** Environment variable names of the project (for the env picker and {{ env. }}). */
  envKeys: string[];
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
