// Who published or wrote a version, by name: the API records a member's id (sub); the
// workspace's members list knows their email. Read once per client and workspace and shared
// by every list that names people; an id the list does not know (a removed member, a list the
// member may not read) shows as it is.

import { useCallback, useEffect, useState } from 'react';
import type { ApiClient } from '../api/client';

type Names = ReadonlyMap<string, string>;

const EMPTY: Names = new Map();
/** How long a read list is used before it is read again (members come and go rarely). */
const FRESH_MS = 5 * 60_000;
/** At most this many pages of members are read. */
const MAX_PAGES = 20;

const cache = new WeakMap<ApiClient, Map<string, { at: number; names: Promise<Names>; done?: Names }>>();

async function readNames(api: ApiClient): Promise<Names> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await api.listMembers({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const m of page.items ?? []) if (m.sub && m.email) out.set(m.sub, m.email);
    if (!page.next_cursor || page.next_cursor === cursor) break;
    cursor = page.next_cursor;
  }
  return out;
}

/** The workspace's members as sub → email (empty when the list cannot be read). */
export function memberNames(api: ApiClient, now = Date.now()): Promise<Names> {
  const tenant = api.currentTenant ?? '';
  let byTenant = cache.get(api);
  if (!byTenant) cache.set(api, (byTenant = new Map()));
  const hit = byTenant.get(tenant);
  if (hit && now - hit.at < FRESH_MS) return hit.names;
  const entry: { at: number; names: Promise<Names>; done?: Names } = { at: now, names: EMPTY_PROMISE };
  entry.names = readNames(api).then(
    (n) => ((entry.done = n), n),
    () => {
      byTenant.delete(tenant); // a later list tries again
      return EMPTY;
    },
  );
  byTenant.set(tenant, entry);
  return entry.names;
}
const EMPTY_PROMISE: Promise<Names> = Promise.resolve(EMPTY);

/** Names a member by the id the API recorded: their email when the members list knows it. */
export function useMemberName(api: ApiClient): (sub: string | undefined) => string {
  const [names, setNames] = useState<Names>(() => cache.get(api)?.get(api.currentTenant ?? '')?.done ?? EMPTY);
  useEffect(() => {
    let live = true;
    void memberNames(api).then((n) => live && setNames(n));
    return () => {
      live = false;
    };
  }, [api]);
  return useCallback((sub: string | undefined) => (sub ? (names.get(sub) ?? sub) : ''), [names]);
}
