// What a member may do on the management screens, by role — the same thresholds the API
// enforces (shared/auth/roles.go), so the screens show read-only views instead of buttons
// that would only be refused.

import type { Role } from '../api/types';

export type Capability =
  | 'stages.manage'
  | 'secrets.read'
  | 'secrets.write'
  | 'env.write'
  | 'apikeys'
  | 'members.manage'
  | 'import'
  | 'project.create'
  | 'project.update'
  | 'project.trash'
  | 'project.network';

const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

const needs: Record<Capability, Role> = {
  'stages.manage': 'admin',
  'secrets.read': 'editor',
  'secrets.write': 'admin',
  'env.write': 'editor',
  apikeys: 'admin',
  'members.manage': 'admin',
  import: 'editor',
  'project.create': 'editor',
  'project.update': 'editor',
  'project.trash': 'admin',
  'project.network': 'admin',
};

/** Whether a member with this role may do c; an unknown role may do nothing beyond reading. */
export function can(role: Role | string | null | undefined, c: Capability): boolean {
  const r = role && role in rank ? rank[role as Role] : -1;
  return r >= rank[needs[c]];
}
