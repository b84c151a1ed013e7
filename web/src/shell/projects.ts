// The projects screen's state: the list, the trash, and the changes made from it, each with
// its loading and error state.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError } from '../api/client';
import type { Page, Project } from '../api/types';

/** What the projects store needs from the API client. */
export interface ProjectsBackend {
  listProjects(): Promise<Page<Project>>;
  listTrash(): Promise<Page<Project>>;
  createProject(input: { name: string; slug?: string }): Promise<Project>;
  updateProject(project: string, input: { name?: string; slug?: string }): Promise<Project>;
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
        const p = await api.updateProject(id, { name });
        setList((l) => l.map((x) => (x.id === id ? p : x)));
        return p;
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
