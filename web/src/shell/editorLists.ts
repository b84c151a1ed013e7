// The lists the flow editor's pickers offer: the project's secret keys, environment variable
// names and flows. Each loads on its own; one that fails to load stays empty, and the editor
// works on without it.

import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';
import type { Flow } from '../api/types';
import type { FlowChoice } from '../editor/context';

/** The page size the flow list is read with (the API's maximum). */
export const FLOW_PAGE = 200;
/** At most this many pages are read (a cursor that never ends must not spin forever). */
export const MAX_FLOW_PAGES = 50;

const sortedUnique = (keys: Iterable<string>): string[] => [...new Set(keys)].filter((k) => k !== '').sort();

/**
 * The secret keys to offer: the union of the keys set on any of the project's stages, sorted.
 * Values are never read (the API does not return them).
 */
export async function loadSecretKeys(api: ApiClient, project: string): Promise<string[]> {
  const secrets = await api.listSecrets(project);
  // a key with no stage has no value anywhere; a server without stages lists every key
  return sortedUnique(secrets.filter((s) => !Array.isArray(s.stages) || s.stages.length > 0).map((s) => s.key));
}

/** The environment variable names of the project (any stage), sorted. */
export async function loadEnvKeys(api: ApiClient, project: string): Promise<string[]> {
  return sortedUnique((await api.listEnv(project)).map((v) => v.key));
}

/** Every flow of the project, read page by page (following next_cursor). */
export async function loadAllFlows(api: ApiClient, project: string): Promise<Flow[]> {
  const out: Flow[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let i = 0; i < MAX_FLOW_PAGES; i++) {
    const page = await api.listFlows(project, undefined, { limit: FLOW_PAGE, ...(cursor ? { cursor } : {}) });
    for (const f of page.items ?? []) {
      if (seen.has(f.id)) continue;
      seen.add(f.id);
      out.push(f);
    }
    if (!page.next_cursor || page.next_cursor === cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

/** Every flow of the project, as the pickers offer them. */
export async function loadFlowChoices(api: ApiClient, project: string): Promise<FlowChoice[]> {
  return (await loadAllFlows(api, project)).map((f) => ({ id: f.id, name: f.name, kind: f.kind }));
}

export interface EditorLists {
  secretKeys: string[];
  envKeys: string[];
  flows: FlowChoice[];
}

const EMPTY: EditorLists = { secretKeys: [], envKeys: [], flows: [] };

/** Loads the pickers' lists for a project; each list is empty until (and unless) it loads.
 * secrets false leaves the secret keys out (a viewer may not list them: the API refuses). */
export function useEditorLists(api: ApiClient, project: string, secrets = true): EditorLists {
  const [lists, setLists] = useState<EditorLists>(EMPTY);
  useEffect(() => {
    let live = true;
    setLists(EMPTY);
    const fill = <K extends keyof EditorLists>(key: K, load: Promise<EditorLists[K]>) =>
      load.then(
        (v) => live && setLists((l) => ({ ...l, [key]: v })),
        () => undefined, // the picker then says there is nothing to offer; typing a key still works
      );
    if (secrets) void fill('secretKeys', loadSecretKeys(api, project));
    void fill('envKeys', loadEnvKeys(api, project));
    void fill('flows', loadFlowChoices(api, project));
    return () => {
      live = false;
    };
  }, [api, project, secrets]);
  return lists;
}
