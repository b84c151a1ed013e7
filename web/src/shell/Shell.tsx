// The signed-in app: a top bar (tenant switcher, who is signed in, sign-out), the "session
// expired" banner (signing in again in a popup keeps the page and its unsaved work), and the
// screens the URL names.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import { LiveSocket, resolveWsUrl } from '../api/live';
import type { Me } from '../api/types';
import type { Session } from '../auth/session';
import type { RuntimeConfig } from '../config';
import type { CatalogIndex } from '../model/catalog';
import { MembersPage } from '../manage/SettingsScreen';
import { WorkspacePage } from '../manage/WorkspaceScreen';
import { Playground } from '../Playground';
import { PublishPage } from '../publish/PublishPage';
import { useTheme } from '../ui/theme';
import { ShellContext, type ShellEnv } from './context';
import { ProjectShell } from './ProjectShell';
import { ProjectsScreen } from './ProjectsScreen';
import { navigate, usePath } from './router';
import { parseRoute } from './routes';
import { pickTenant, TENANT_KEY } from './tenant';

export interface ShellProps {
  cfg: RuntimeConfig;
  api: ApiClient;
  session: Session;
  catalog: CatalogIndex;
  me: Me;
}

function remembered(): string | null {
  try {
    return localStorage.getItem(TENANT_KEY);
  } catch {
    return null;
  }
}

export function Shell({ cfg, api, session, catalog, me: signedIn }: ShellProps) {
  const path = usePath();
  // read again after an invitation is accepted, so the switcher lists the tenant joined
  const [me, setMe] = useState(signedIn);
  const reloadMe = useCallback(async () => setMe(await api.me()), [api]);
  const route = parseRoute(path);
  const [theme, setTheme] = useTheme();
  const [tenant, setTenantState] = useState<string | null>(() => pickTenant(me, remembered()));
  const [expired, setExpired] = useState(false);
  const [signInEpoch, setSignInEpoch] = useState(0);
  const [signInError, setSignInError] = useState<string | null>(null);
  /** Said once a workspace was left (focused, so the keyboard starts there on the next screen). */
  const [leftNote, setLeftNote] = useState<string | null>(null);
  const leftNoteRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (leftNote) leftNoteRef.current?.focus();
  }, [leftNote]);

  useEffect(() => api.onSessionExpired(() => setExpired(true)), [api]);

  const chooseTenant = useCallback((t: string) => {
    try {
      localStorage.setItem(TENANT_KEY, t);
    } catch {
      /* remembered for this page only */
    }
    setTenantState(t);
    setLeftNote(null);
    navigate('/');
  }, []);

  const renamedTenant = useCallback((t: string, name: string) => {
    setMe((m) => ({ ...m, memberships: m.memberships.map((x) => (x.tenant === t ? { ...x, tenant_name: name } : x)) }));
  }, []);

  // GET /me right away could still list the tenant left (the memberships are an index, updated
  // a moment later): the person's memberships drop it here instead
  const leftTenant = useCallback(
    (t: string, name: string) => {
      const rest = { ...me, memberships: me.memberships.filter((x) => x.tenant !== t) };
      const was = remembered();
      const next = pickTenant(rest, was === t ? null : was);
      try {
        if (next) localStorage.setItem(TENANT_KEY, next);
        else localStorage.removeItem(TENANT_KEY);
      } catch {
        /* remembered for this page only */
      }
      setMe(rest);
      setTenantState(next);
      const nextName = rest.memberships.find((x) => x.tenant === next)?.tenant_name || next;
      setLeftNote(next ? `You left “${name}”. You are in “${nextName}” now.` : `You left “${name}”.`);
      navigate('/');
    },
    [me],
  );

  const live = useMemo(() => {
    if (!tenant) return null;
    return new LiveSocket({ url: resolveWsUrl(cfg.wsUrl, location.href), tenant, getToken: () => session.token() });
  }, [cfg.wsUrl, tenant, session]);
  useEffect(() => {
    if (!live) return;
    live.start();
    return () => live.stop();
  }, [live]);

  const env: ShellEnv | null = useMemo(() => {
    if (!tenant || !live) return null;
    api.setTenant(tenant);
    const membership = me.memberships.find((m) => m.tenant === tenant);
    return { api, live, catalog, tenant, signInEpoch, theme, setTheme, triggerUrl: cfg.triggerUrl, role: membership?.role, sub: me.sub, email: me.email, tenantName: membership?.tenant_name || tenant, reloadMe, chooseTenant, renamedTenant, leftTenant };
  }, [api, live, catalog, tenant, signInEpoch, theme, setTheme, cfg.triggerUrl, me, reloadMe, chooseTenant, renamedTenant, leftTenant]);

  const signInAgain = async () => {
    setSignInError(null);
    try {
      await session.signInPopup();
      setExpired(false);
      setSignInEpoch((n) => n + 1);
      live?.stop();
      live?.start();
    } catch (e) {
      setSignInError(e instanceof Error ? e.message : String(e));
    }
  };

  if (route.name === 'playground') return <Playground catalog={catalog} />;

  const who = me.email ?? me.name ?? me.sub;
  let screen: React.ReactNode;
  if (!env) screen = <p className="ps-empty">{`You are not a member of any workspace ${leftNote ? 'now' : 'yet'}. Ask for an invitation.`}</p>;
  else if (route.name === 'projects') screen = <ProjectsScreen trash={false} />;
  else if (route.name === 'trash') screen = <ProjectsScreen trash />;
  else if (route.name === 'publish') screen = <PublishPage key={`${tenant}/${route.project}`} project={route.project} />;
  else if (route.name === 'members') screen = <MembersPage key={tenant} />;
  else if (route.name === 'workspace') screen = <WorkspacePage key={tenant} />;
  else if (route.name === 'settings') screen = <ProjectShell key={`${tenant}/${route.project}`} project={route.project} flow={null} section={route.section} />;
  else if (route.name === 'project' || route.name === 'flow') screen = <ProjectShell key={`${tenant}/${route.project}`} project={route.project} flow={route.name === 'flow' ? route.flow : null} />;
  else
    screen = (
      <div className="ps-empty">
        <p>Nothing lives at {path}.</p>
        <button type="button" className="ps-button" onClick={() => navigate('/')}>
          Go to projects
        </button>
      </div>
    );

  return (
    <div className="ps-app">
      <header className="ps-topbar">
        <a
          href="/"
          className="ps-brand"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          PolySynergy
        </a>
        {me.memberships.length > 1 ? (
          <label className="ps-row">
            <span className="ps-hint">Workspace</span>
            <select className="ps-input" value={tenant ?? ''} onChange={(e) => chooseTenant(e.target.value)} aria-label="Workspace">
              {me.memberships.map((m) => (
                <option key={m.tenant} value={m.tenant}>
                  {m.tenant_name || m.tenant} ({m.role})
                </option>
              ))}
            </select>
          </label>
        ) : me.memberships[0] ? (
          <span className="ps-hint">{me.memberships[0].tenant_name || me.memberships[0].tenant}</span>
        ) : null}
        {tenant ? (
          <a
            href="/members"
            className="ps-link"
            aria-current={route.name === 'members' ? 'page' : undefined}
            onClick={(e) => {
              e.preventDefault();
              navigate('/members');
            }}
          >
            Members
          </a>
        ) : null}
        {tenant ? (
          <a
            href="/workspace"
            className="ps-link"
            aria-current={route.name === 'workspace' ? 'page' : undefined}
            // "Settings" on screen, beside the workspace and its members; named in full
            aria-label="Workspace settings"
            onClick={(e) => {
              e.preventDefault();
              navigate('/workspace');
            }}
          >
            Settings
          </a>
        ) : null}
        <span className="ps-toolbar-spacer" />
        <span className="ps-hint ps-topbar-who" title={me.sub}>
          {who}
        </span>
        {session.enabled ? (
          <button type="button" className="ps-button ps-small" onClick={() => void session.signOut()}>
            Sign out
          </button>
        ) : null}
      </header>
      {leftNote ? (
        <div className="ps-banner ps-ws-left" role="status" tabIndex={-1} ref={leftNoteRef} data-testid="left-workspace">
          <span>{leftNote}</span>
          <button
            type="button"
            className="ps-button ps-small"
            onClick={() => {
              setLeftNote(null);
              // the note goes: the keyboard goes on from the screen's heading, not the page's top
              const heading = document.querySelector<HTMLElement>('.ps-app-main h1');
              if (heading) {
                if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
                heading.focus();
              }
            }}
          >
            Dismiss
          </button>
        </div>
      ) : null}
      {expired ? (
        <div className="ps-banner ps-banner-error" role="alert">
          Your session expired. Your unsaved work is kept on this page; sign in again to save it.
          <button type="button" className="ps-button ps-small ps-primary" onClick={() => void signInAgain()}>
            Sign in again
          </button>
          {signInError ? <span className="ps-field-error">{signInError}</span> : null}
        </div>
      ) : null}
      <main className="ps-app-main">{env ? <ShellContext.Provider value={env}>{screen}</ShellContext.Provider> : screen}</main>
    </div>
  );
}
