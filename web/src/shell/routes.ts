// The editor's addresses: the path names the screen and, in a project, the open flow, so a
// link or a reload comes back to the same place.

/** The management screens of a project (members are the tenant's, shown in the project too). */
export const SETTINGS_SECTIONS = ['general', 'secrets', 'env', 'stages', 'api-keys', 'members', 'export'] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

const isSection = (s: string): s is SettingsSection => (SETTINGS_SECTIONS as readonly string[]).includes(s);

export type Route =
  | { name: 'projects' }
  | { name: 'members' }
  | { name: 'workspace' }
  | { name: 'settings'; project: string; section: SettingsSection }
  | { name: 'trash' }
  | { name: 'project'; project: string }
  | { name: 'publish'; project: string }
  | { name: 'flow'; project: string; flow: string }
  | { name: 'playground' }
  | { name: 'not-found'; path: string };

const dec = (s: string): string | null => {
  try {
    const v = decodeURIComponent(s);
    return v ? v : null;
  } catch {
    return null;
  }
};

/** Reads a location path ("/p/{project}/f/{flow}"); unknown paths give not-found. */
export function parseRoute(path: string): Route {
  const parts = path.replace(/\/+$/, '').split('/').slice(1);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) return { name: 'projects' };
  if (parts.length === 1 && parts[0] === 'projects') return { name: 'projects' };
  if (parts.length === 1 && parts[0] === 'trash') return { name: 'trash' };
  if (parts.length === 1 && parts[0] === 'playground') return { name: 'playground' };
  if (parts.length === 1 && parts[0] === 'members') return { name: 'members' };
  if (parts.length === 1 && parts[0] === 'workspace') return { name: 'workspace' };
  if (parts[0] === 'p' && parts.length >= 2) {
    const project = dec(parts[1] ?? '');
    if (!project) return { name: 'not-found', path };
    if (parts.length === 2) return { name: 'project', project };
    if (parts.length === 3 && parts[2] === 'publish') return { name: 'publish', project };
    if (parts.length === 4 && parts[2] === 'f') {
      const flow = dec(parts[3] ?? '');
      if (flow) return { name: 'flow', project, flow };
    }
    if (parts.length === 4 && parts[2] === 'settings' && isSection(parts[3] ?? '')) return { name: 'settings', project, section: parts[3] as SettingsSection };
  }
  return { name: 'not-found', path };
}

/** The path of a route (the inverse of parseRoute). */
export function routePath(r: Route): string {
  const e = encodeURIComponent;
  switch (r.name) {
    case 'projects':
      return '/';
    case 'trash':
      return '/trash';
    case 'playground':
      return '/playground';
    case 'members':
      return '/members';
    case 'workspace':
      return '/workspace';
    case 'settings':
      return `/p/${e(r.project)}/settings/${r.section}`;
    case 'project':
      return `/p/${e(r.project)}`;
    case 'publish':
      return `/p/${e(r.project)}/publish`;
    case 'flow':
      return `/p/${e(r.project)}/f/${e(r.flow)}`;
    case 'not-found':
      return r.path;
  }
}
