import { describe, expect, it } from 'vitest';
import { ApiError, ChangedError } from '../api/client';
import type { Me, Project } from '../api/types';
import { createProjectsStore, type ProjectsBackend, suggestSlug } from './projects';
import { parseRoute, type Route, routePath, SETTINGS_SECTIONS } from './routes';
import { type KeyValue, TabMemory } from './tabs';
import { pickTenant } from './tenant';

describe('routes', () => {
  const cases: [string, Route][] = [
    ['/', { name: 'projects' }],
    ['/projects', { name: 'projects' }],
    ['/trash', { name: 'trash' }],
    ['/playground', { name: 'playground' }],
    ['/p/prj1', { name: 'project', project: 'prj1' }],
    ['/p/prj1/', { name: 'project', project: 'prj1' }],
    ['/p/prj1/f/flow%2Fx', { name: 'flow', project: 'prj1', flow: 'flow/x' }],
    ['/p/prj1/f', { name: 'not-found', path: '/p/prj1/f' }],
    ['/p/%E0%A4%A/f/x', { name: 'not-found', path: '/p/%E0%A4%A/f/x' }],
    ['/nope', { name: 'not-found', path: '/nope' }],
    ['/members', { name: 'members' }],
    ['/workspace', { name: 'workspace' }],
    ['/workspace/', { name: 'workspace' }],
    ['/p/prj1/settings/secrets', { name: 'settings', project: 'prj1', section: 'secrets' }],
    ['/p/prj1/settings/api-keys/', { name: 'settings', project: 'prj1', section: 'api-keys' }],
    ['/p/prj1/settings/export', { name: 'settings', project: 'prj1', section: 'export' }],
    ['/p/prj1/settings/nope', { name: 'not-found', path: '/p/prj1/settings/nope' }],
    ['/p/prj1/settings', { name: 'not-found', path: '/p/prj1/settings' }],
  ];
  it.each(cases)('parses %s', (path, want) => {
    expect(parseRoute(path)).toEqual(want);
  });
  it('round-trips', () => {
    const rs: Route[] = [
      { name: 'projects' },
      { name: 'trash' },
      { name: 'members' },
      { name: 'workspace' },
      { name: 'project', project: 'a b' },
      { name: 'flow', project: 'p', flow: 'f/1?' },
      ...SETTINGS_SECTIONS.map((section): Route => ({ name: 'settings', project: 'p q', section })),
    ];
    for (const r of rs) expect(parseRoute(routePath(r))).toEqual(r);
  });
});

function memStorage(): KeyValue & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('tab memory', () => {
  it('remembers open tabs per project', () => {
    const s = memStorage();
    const m = new TabMemory(s);
    m.open('p1', 'a');
    m.open('p1', 'b');
    m.open('p2', 'c');
    expect(new TabMemory(s).get('p1')).toEqual({ open: ['a', 'b'], active: 'b' });
    expect(new TabMemory(s).get('p2')).toEqual({ open: ['c'], active: 'c' });
    expect(m.open('p1', 'a')).toEqual({ open: ['a', 'b'], active: 'a' });
  });
  it('activates the neighbour when the active tab closes', () => {
    const m = new TabMemory(memStorage());
    m.open('p', 'a');
    m.open('p', 'b');
    m.open('p', 'c');
    m.open('p', 'b');
    expect(m.close('p', 'b')).toEqual({ open: ['a', 'c'], active: 'c' });
    expect(m.close('p', 'a')).toEqual({ open: ['c'], active: 'c' });
    expect(m.close('p', 'c')).toEqual({ open: [], active: null });
    expect(m.close('p', 'zzz')).toEqual({ open: [], active: null });
  });
  it('drops flows that are gone and survives damaged storage', () => {
    const s = memStorage();
    const m = new TabMemory(s);
    m.open('p', 'a');
    m.open('p', 'b');
    expect(m.retain('p', new Set(['a']))).toEqual({ open: ['a'], active: 'a' });
    s.data.set('ps.tabs.q', '{not json');
    expect(m.get('q')).toEqual({ open: [], active: null });
    s.data.set('ps.tabs.q', JSON.stringify({ open: ['x', 3, 'x'], active: 'gone' }));
    expect(m.get('q')).toEqual({ open: ['x'], active: 'x' });
  });
  it('keeps at most twelve tabs', () => {
    const m = new TabMemory(memStorage());
    for (let i = 0; i < 15; i++) m.open('p', `f${i}`);
    const t = m.get('p');
    expect(t.open.length).toBe(12);
    expect(t.open[0]).toBe('f3');
    expect(t.active).toBe('f14');
  });
});

describe('tenant choice', () => {
  const me: Me = {
    sub: 's',
    memberships: [
      { tenant: 't1', tenant_name: 'One', role: 'owner', since: '' },
      { tenant: 't2', tenant_name: 'Two', role: 'editor', since: '' },
    ],
  } as Me;
  it.each([
    [null, 't1'],
    ['t2', 't2'],
    ['gone', 't1'],
  ])('remembered %s gives %s', (rem, want) => {
    expect(pickTenant(me, rem)).toBe(want);
  });
  it('has none without memberships', () => {
    expect(pickTenant({ sub: 's', memberships: [] } as Me, 't1')).toBeNull();
  });
});

describe('slug suggestion', () => {
  it.each([
    ['My Project', 'my-project'],
    ['  Café  Ünïcode!! ', 'cafe-unicode'],
    ['---', ''],
    ['a'.repeat(50), 'a'.repeat(40)],
  ])('%s → %s', (name, want) => expect(suggestSlug(name)).toBe(want));
});

function project(id: string, name: string): Project {
  return { id, tenant: 't', name, slug: id, created_at: '', updated_at: '' };
}

// a project's tag: what its GET shows
const tagOf = (p: Project) => `"${p.name}@${p.updated_at}"`;

function fakeBackend(): ProjectsBackend & { live: Project[]; bin: Project[]; fail: boolean; sent: (string | null)[]; edits: number } {
  const b = {
    live: [project('p1', 'Beta'), project('p2', 'Alpha')],
    bin: [] as Project[],
    fail: false,
    /** The If-Match of each updateProject. */
    sent: [] as (string | null)[],
    edits: 0,
    async getProject(id: string) {
      const p = b.live.find((x) => x.id === id)!;
      return { ...p, etag: tagOf(p) };
    },
    async listProjects() {
      if (b.fail) throw new ApiError({ status: 0, title: 'Network', method: 'GET', path: '/projects' });
      return { items: [...b.live] };
    },
    async listTrash() {
      return { items: [...b.bin] };
    },
    async createProject(i: { name: string; slug?: string }) {
      if (!i.name) throw new ApiError({ status: 400, title: 'Bad request', detail: 'name: required', method: 'POST', path: '/projects' });
      const p = project(i.slug ?? 'new', i.name);
      b.live.push(p);
      return p;
    },
    async updateProject(id: string, i: { name?: string }, ifMatch?: string | null) {
      b.sent.push(ifMatch ?? null);
      const cur = b.live.find((x) => x.id === id)!;
      if (ifMatch && ifMatch !== tagOf(cur)) throw new ChangedError({ status: 412, title: 'Precondition Failed', detail: 'the project changed since you read it', method: 'PATCH', path: `/projects/${id}` }, tagOf(cur));
      const p = { ...cur, name: i.name ?? '', updated_at: `t${++b.edits}` };
      b.live = b.live.map((x) => (x.id === id ? p : x));
      return { ...p, etag: tagOf(p) };
    },
    async trashProject(id: string) {
      const p = { ...b.live.find((x) => x.id === id)!, trashed_at: 'now' };
      b.live = b.live.filter((x) => x.id !== id);
      b.bin.push(p);
      return p;
    },
    async restoreProject(id: string) {
      const p = { ...b.bin.find((x) => x.id === id)! };
      delete p.trashed_at;
      return p;
    },
  };
  return b;
}

describe('projects store', () => {
  it('loads sorted by name and reports errors', async () => {
    const b = fakeBackend();
    const s = createProjectsStore(b);
    const p = s.getState().load();
    expect(s.getState().projects.status).toBe('loading');
    await p;
    const st = s.getState().projects;
    expect(st.status === 'ready' && st.items.map((x) => x.name)).toEqual(['Alpha', 'Beta']);
    b.fail = true;
    await s.getState().load();
    expect(s.getState().projects).toEqual({ status: 'error', message: 'The API could not be reached.' });
  });
  it('creates, renames, trashes and restores', async () => {
    const b = fakeBackend();
    const s = createProjectsStore(b);
    await s.getState().load();
    await s.getState().loadTrash();
    await s.getState().create('Gamma', 'gamma');
    await s.getState().rename('p1', 'Zeta');
    const names = () => {
      const l = s.getState().projects;
      return l.status === 'ready' ? l.items.map((x) => x.name) : null;
    };
    expect(names()).toEqual(['Alpha', 'Gamma', 'Zeta']);
    await s.getState().moveToTrash('p2');
    expect(names()).toEqual(['Gamma', 'Zeta']);
    const t = s.getState().trash;
    expect(t.status === 'ready' && t.items.map((x) => x.id)).toEqual(['p2']);
    await s.getState().restore('p2');
    expect(names()).toEqual(['Alpha', 'Gamma', 'Zeta']);
    const t2 = s.getState().trash;
    expect(t2.status === 'ready' && t2.items).toEqual([]);
  });
  it("renames over the project's etag: read before the first rename (the list has none), then the one the rename answered", async () => {
    const b = fakeBackend();
    const s = createProjectsStore(b);
    await s.getState().load();
    await s.getState().rename('p1', 'Gamma');
    await s.getState().rename('p1', 'Delta');
    expect(b.sent).toEqual(['"Beta@"', '"Gamma@t1"']);
    const l = s.getState().projects;
    expect(l.status === 'ready' && l.items.map((x) => x.name)).toEqual(['Alpha', 'Delta']);
  });
  it('refuses a rename of a project changed since the list was read, writing nothing, and lists it as it is now', async () => {
    const b = fakeBackend();
    const s = createProjectsStore(b);
    await s.getState().load();
    // someone else renames it in another tab
    b.live = b.live.map((x) => (x.id === 'p1' ? { ...x, name: 'Theirs', updated_at: 'later' } : x));
    const e = await s.getState().rename('p1', 'Mine').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChangedError);
    expect((e as ChangedError).detail).toBe('Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it. Now: “Theirs”.');
    expect(b.sent).toEqual([]);
    const l = s.getState().projects;
    expect(l.status === 'ready' && l.items.map((x) => x.name)).toEqual(['Alpha', 'Theirs']);
    // applied again: over the tag read with it
    await s.getState().rename('p1', 'Mine');
    expect(b.sent).toEqual(['"Theirs@later"']);
    expect(b.live.find((x) => x.id === 'p1')?.name).toBe('Mine');
  });
  it('on a 412 (changed between reading its tag and renaming) says so, lists the project as it is now and renames over its new tag next', async () => {
    const b = fakeBackend();
    const s = createProjectsStore(b);
    await s.getState().load();
    await s.getState().rename('p1', 'Gamma'); // the list item now carries the rename's tag
    b.live = b.live.map((x) => (x.id === 'p1' ? { ...x, name: 'Theirs', updated_at: 'later' } : x));
    const e = await s.getState().rename('p1', 'Mine').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChangedError);
    expect((e as ChangedError).detail).toBe('Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it. Now: “Theirs”.');
    expect(b.live.find((x) => x.id === 'p1')?.name).toBe('Theirs');
    const l = s.getState().projects;
    expect(l.status === 'ready' && l.items.map((x) => x.name)).toEqual(['Alpha', 'Theirs']);
    await s.getState().rename('p1', 'Mine');
    expect(b.sent).toEqual(['"Beta@"', '"Gamma@t1"', '"Theirs@later"']);
    expect(b.live.find((x) => x.id === 'p1')?.name).toBe('Mine');
  });
  it('passes a refused create to the caller and leaves the list', async () => {
    const s = createProjectsStore(fakeBackend());
    await s.getState().load();
    await expect(s.getState().create('')).rejects.toThrow('name: required');
    const l = s.getState().projects;
    expect(l.status === 'ready' && l.items.length).toBe(2);
  });
});
