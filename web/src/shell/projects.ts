// The projects screen's state: the list, the trash, and the changes made from it, each with
// its loading and error state.
//
// A rename sends the project's etag as If-Match. The list carries no tags, so a rename from it
// first reads the project (its tag): when that is no longer what the list shows, or the API
// answers 412 (changed between that read and the rename), someone changed the project since the
// list was read — nothing is written, the list shows the project as it is now, and the rename is
// refused with a ChangedError saying so (the shared sentence, and the name now).

import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError, ChangedError } from '../api/client';
import { CHANGED_TEXT } from '../manage/common';
import type { Page, Project } from '../api/types';

/** What the projects store needs from the API client. */
export interface ProjectsBackend {
  listProjects(): Promise<Page<Project>>;
  listTrash(): Promise<Page<Project>>;
  createProject(input: { name: string; slug?: string }): Promise<Project>;
  /** The project with its etag (its ETag header). */
  getProject(project: string): Promise<Project>;
  /** ifMatch: the etag last read (412, ChangedError, when the project changed since). */
  updateProject(project: string, input: { name?: string; slug?: string }, ifMatch?: string | null): Promise<Project>;
  trashProject(project: string): Promise<Project>;
  restoreProject(project: string): Promise<Project>;
}

export type Load<T> = { status: 'idle' } | { status: 'loading' } | { status: 'error'; message: string } | { status: 'ready'; items: T[] };

export interface ProjectsState {
  projects: Load<Project>;
  trash: Load<Project>;
}

export interface ProjectsActions {
  load(): Promise<void>;
  loadTrash(): Promise<void>;
  create(name: string, slug?: string): Promise<Project>;
  rename(id: string, name: string): Promise<Project>;
  moveToTrash(id: string): Promise<void>;
  restore(id: string): Promise<void>;
}

export type ProjectsStore = StoreApi<ProjectsState & ProjectsActions>;

/** A slug for a project name: lower case ASCII letters, digits and single dashes. */
export function suggestSlug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
}

function message(e: unknown): string {
  if (e instanceof ApiError) return e.isNetwork ? 'The API could not be reached.' : e.message;
  return e instanceof Error ? e.message : String(e);
}

const byName = (a: Project, b: Project) => a.name.localeCompare(b.name);

/** Whether two reads of a project show the same (what its list item and its GET both carry). */
function sameProject(a: Project, b: Project): boolean {
  return (
    a.name === b.name &&
    a.slug === b.slug &&
    a.updated_at === b.updated_at &&
    (a.production_stage ?? '') === (b.production_stage ?? '') &&
    !!a.allow_private_network === !!b.allow_private_network
  );
}

/** The refusal of a rename of a project someone changed since it was read (now: as it is now). */
function changedSince(id: string, now: Project | null, currentEtag: string | null): ChangedError {
  return new ChangedError(
    {
      status: 412,
      title: 'Precondition Failed',
      type: 'urn:polysynergy:problem:changed',
      detail: now ? `${CHANGED_TEXT} Now: “${now.name}”.` : CHANGED_TEXT,
      method: 'PATCH',
      path: `/projects/${id}`,
    },
    currentEtag,
  );
}

export function createProjectsStore(api: ProjectsBackend): ProjectsStore {
  return createStore<ProjectsState & ProjectsActions>()((set, get) => {
    const items = (l: Load<Project>): Project[] | null => (l.status === 'ready' ? l.items : null);
    const setList = (f: (l: Project[]) => Project[]) => {
      const l = items(get().projects);
      if (l) set({ projects: { status: 'ready', items: f(l).sort(byName) } });
    };
    const setTrash = (f: (l: Project[]) => Project[]) => {
      const l = items(get().trash);
      if (l) set({ trash: { status: 'ready', items: f(l) } });
    };
    return {
      projects: { status: 'idle' },
      trash: { status: 'idle' },
      async load() {
        set({ projects: { status: 'loading' } });
        try {
          const p = await api.listProjects();
          set({ projects: { status: 'ready', items: [...p.items].sort(byName) } });
        } catch (e) {
          set({ projects: { status: 'error', message: message(e) } });
        }
      },
      async loadTrash() {
        set({ trash: { status: 'loading' } });
        try {
          const p = await api.listTrash();
          set({ trash: { status: 'ready', items: p.items } });
        } catch (e) {
          set({ trash: { status: 'error', message: message(e) } });
        }
      },
      async create(name, slug) {
        const p = await api.createProject(slug ? { name, slug } : { name });
        setList((l) => [...l.filter((x) => x.id !== p.id), p]);
        return p;
      },
      async rename(id, name) {
        const put = (p: Project) => setList((l) => l.map((x) => (x.id === id ? p : x)));
        const shown = items(get().projects)?.find((x) => x.id === id);
        let tag = shown?.etag;
        if (!tag) {
          // the list has no tags: the project's own, unless it changed since the list was read
          const now = await api.getProject(id);
          if (shown && !sameProject(shown, now)) {
            put(now);
            throw changedSince(id, now, now.etag ?? null);
          }
          tag = now.etag;
        }
        try {
          const p = await api.updateProject(id, { name }, tag);
          put(p);
          return p;
        } catch (e) {
          if (!(e instanceof ChangedError)) throw e;
          const now = await api.getProject(id).catch(() => null);
          if (now) put(now);
          throw changedSince(id, now, now?.etag ?? e.currentEtag);
        }
      },
      async moveToTrash(id) {
        const p = await api.trashProject(id);
        setList((l) => l.filter((x) => x.id !== id));
        setTrash((l) => [p, ...l.filter((x) => x.id !== id)]);
      },
      async restore(id) {
        const p = await api.restoreProject(id);
        setTrash((l) => l.filter((x) => x.id !== id));
        setList((l) => [...l.filter((x) => x.id !== id), p]);
      },
    };
  });
}
