// What every signed-in screen shares: the API client (acting in the chosen tenant), the live
// socket, the node catalogue and the session's state.

import { createContext, useContext } from 'react';
import type { ApiClient } from '../api/client';
import type { LiveSocket } from '../api/live';
import type { Role } from '../api/types';
import type { CatalogIndex } from '../model/catalog';
import type { Theme } from '../ui/theme';

export interface ShellEnv {
  api: ApiClient;
  live: LiveSocket;
  catalog: CatalogIndex;
  tenant: string;
  /** Goes up by one each time the person signs in again after the session expired. */
  signInEpoch: number;
  theme: Theme;
  setTheme(t: Theme): void;
  triggerUrl?: string | undefined;
  /** The signed-in member's role in the tenant (screens show read-only views below it). */
  role?: Role | undefined;
  /** The signed-in person's subject. */
  sub?: string | undefined;
  /** The signed-in person's e-mail (the chat panel sends it as the user). */
  email?: string | undefined;
  /** The tenant's display name. */
  tenantName?: string | undefined;
  /** Reads the signed-in person again (GET /me): the workspace switcher then lists a tenant just joined. */
  reloadMe?: (() => Promise<void>) | undefined;
  /** Switches the editor to another of the person's workspaces. */
  chooseTenant?: ((tenant: string) => void) | undefined;
  /** A workspace was renamed (here or, seen on a 412, by someone else): the top bar and switcher show the name. */
  renamedTenant?: ((tenant: string, name: string) => void) | undefined;
  /** The person left a workspace: it leaves the switcher and another of theirs opens (none: the empty state). */
  leftTenant?: ((tenant: string, name: string) => void) | undefined;
}

export const ShellContext = createContext<ShellEnv | null>(null);

export function useShell(): ShellEnv {
  const v = useContext(ShellContext);
  if (!v) throw new Error('useShell outside the signed-in shell');
  return v;
}
