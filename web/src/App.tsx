// Start-up: read /config.json, handle the sign-in redirects, load the node catalogue, then
// show the editor. Each step has its loading and error state.

import { useEffect, useMemo, useState } from 'react';
import { ApiClient, ApiError, SessionExpiredError } from './api/client';
import type { Me } from './api/types';
import { POPUP_CALLBACK_PATH, Session } from './auth/session';
import { loadConfig, type RuntimeConfig } from './config';
import { CatalogIndex, parseCatalog } from './model/catalog';
import { Playground } from './Playground';
import { Shell } from './shell/Shell';

type Boot =
  | { step: 'loading'; what: string }
  | { step: 'error'; title: string; detail: string; offline?: boolean }
  | { step: 'signin' }
  | { step: 'ready'; catalog: CatalogIndex; note?: string }
  | { step: 'shell'; catalog: CatalogIndex; me: Me; api: ApiClient };

async function builtInCatalog(): Promise<CatalogIndex> {
  const m = await import('./fixtures/catalog.json');
  return new CatalogIndex(parseCatalog(m.default));
}

function Centered({ children }: { children: React.ReactNode }) {
  return (
    <main className="ps-centered">
      <div className="ps-card">{children}</div>
    </main>
  );
}

export function App() {
  const [boot, setBoot] = useState<Boot>({ step: 'loading', what: 'configuration' });
  const [cfg, setCfg] = useState<RuntimeConfig | null>(null);
  const session = useMemo(() => (cfg ? new Session(cfg) : null), [cfg]);

  useEffect(() => {
    loadConfig()
      .then(setCfg)
      .catch((e: unknown) => setBoot({ step: 'error', title: 'The editor could not start', detail: String(e instanceof Error ? e.message : e), offline: true }));
  }, []);

  useEffect(() => {
    if (!cfg || !session) return;
    let cancelled = false;
    (async () => {
      if (location.pathname === POPUP_CALLBACK_PATH) {
        await session.completePopup();
        return;
      }
      if (location.pathname === session.callbackPath) {
        setBoot({ step: 'loading', what: 'your session' });
        const to = await session.completeSignIn();
        history.replaceState(null, '', to);
      }
      if (session.enabled && !(await session.user())) {
        if (!cancelled) setBoot({ step: 'signin' });
        return;
      }
      setBoot({ step: 'loading', what: 'the node catalogue' });
      const api = new ApiClient({ baseUrl: cfg.apiUrl, getToken: () => session.token() });
      let catalog: CatalogIndex;
      try {
        catalog = new CatalogIndex(await api.catalog());
      } catch (e) {
        if (import.meta.env.DEV) {
          if (!cancelled) setBoot({ step: 'ready', catalog: await builtInCatalog(), note: 'built-in catalogue (API not reachable)' });
          return;
        }
        const detail = e instanceof ApiError ? `${e.message}${e.requestId ? ` (request ${e.requestId})` : ''}` : String(e);
        if (!cancelled) setBoot({ step: 'error', title: 'The node catalogue could not be loaded', detail, offline: true });
        return;
      }
      if (location.pathname === '/playground') {
        if (!cancelled) setBoot({ step: 'ready', catalog });
        return;
      }
      setBoot({ step: 'loading', what: 'your workspaces' });
      try {
        const me = await api.me();
        if (!cancelled) setBoot({ step: 'shell', catalog, me, api });
      } catch (e) {
        if (cancelled) return;
        if (e instanceof SessionExpiredError && session.enabled) return setBoot({ step: 'signin' });
        // a static server without the API: the playground keeps the editor usable
        if (!session.enabled) return setBoot({ step: 'ready', catalog, note: 'no API' });
        const detail = e instanceof ApiError ? `${e.message}${e.requestId ? ` (request ${e.requestId})` : ''}` : String(e);
        setBoot({ step: 'error', title: 'Your account could not be loaded', detail, offline: true });
      }
    })().catch((e: unknown) => !cancelled && setBoot({ step: 'error', title: 'Sign-in failed', detail: String(e instanceof Error ? e.message : e) }));
    return () => {
      cancelled = true;
    };
  }, [cfg, session]);

  switch (boot.step) {
    case 'loading':
      return (
        <Centered>
          <div className="ps-spinner" aria-hidden />
          <p role="status">Loading {boot.what}…</p>
        </Centered>
      );
    case 'signin':
      return (
        <Centered>
          <h1 className="ps-brand">PolySynergy</h1>
          <p>Sign in to build, run and publish your flows.</p>
          <button type="button" className="ps-button ps-primary" onClick={() => void session?.signIn()}>
            Sign in
          </button>
        </Centered>
      );
    case 'error':
      return (
        <Centered>
          <h1>{boot.title}</h1>
          <p className="ps-field-error">{boot.detail}</p>
          <div className="ps-row">
            <button type="button" className="ps-button ps-primary" onClick={() => location.reload()}>
              Try again
            </button>
            {boot.offline ? (
              <button type="button" className="ps-button" onClick={() => void builtInCatalog().then((catalog) => setBoot({ step: 'ready', catalog, note: 'built-in catalogue, offline' }))}>
                Open the playground offline
              </button>
            ) : null}
          </div>
        </Centered>
      );
    case 'ready':
      return <Playground catalog={boot.catalog} catalogNote={boot.note} />;
    case 'shell':
      return cfg && session ? <Shell cfg={cfg} api={boot.api} session={session} catalog={boot.catalog} me={boot.me} /> : null;
  }
}
