// Which tenant the editor acts in: the one chosen last time in this browser when the person
// is still a member of it, else the first membership.

import type { Me } from '../api/types';

export const TENANT_KEY = 'ps.tenant';

export function pickTenant(me: Me, remembered: string | null): string | null {
  if (remembered && me.memberships.some((m) => m.tenant === remembered)) return remembered;
  if (me.created_tenant && me.memberships.some((m) => m.tenant === me.created_tenant)) return me.created_tenant;
  return me.memberships[0]?.tenant ?? null;
}
