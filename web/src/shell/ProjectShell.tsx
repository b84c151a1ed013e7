// A project: the left panel lists its flows by kind (with create), tabs of open flows
// (remembered per project), and the open flow in the editor. The URL names the open flow.

import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import type { Flow, FlowDetail, FlowKind, Project } from '../api/types';
import { SettingsNav, SettingsScreen } from '../manage/SettingsScreen';
import { useShell } from './context';
import { loadAllFlows } from './editorLists';
import { FlowEditor, type OpenFlow, openFlow } from './FlowEditor';
import { navigate, whenLeaving } from './router';
import { useSidePanel } from './sidePanel';
import { routePath, type SettingsSection } from './routes';
import { TabMemory, type Tabs } from './tabs';
import { onTablistKey, tabIndexOf } from '../ui/tablist';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import './sidePanel.css';

const KINDS: { kind: FlowKind; title: string }[] = [
  { kind: 'route', title: 'Routes' },
  { kind: 'schedule', title: 'Schedules' },
  { kind: 'blueprint', title: 'Blueprints' },
  { kind: 'service', title: 'Services' },
];

const errText = (e: unknown) => (e instanceof ApiError ? (e.fieldErrors[0] ? `${e.fieldErrors[0].field}: ${e.fieldErrors[0].message}` : e.message) : String(e));

/** `missing`: the API said there is no such thing (404/403), which trying again does not change. */
type Load<T> = { status: 'loading' } | { status: 'error'; message: string; missing?: boolean } | { status: 'ready'; value: T };

/** The API's refusal of a new flow's name, said with the field's name and without ids. */
function newFlowError(e: unknown): string {
  if (e instanceof ApiError) {
    const f = e.fieldErrors.find((x) => x.field === 'body.name' || x.field === 'name');
    if (f) return `Name ${f.message.replace(/\s*\([0-9A-Z]{26}\)/g, '')}`.replace(/^Name ([A-Z])/, '$1');
  }
  return errText(e);
}

function NewFlow({ kind, taken, onCreate, onCancel }: { kind: FlowKind; taken(name: string): Flow | undefined; onCreate(name: string): Promise<void>; onCancel(): void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  // a name the project has already (any kind, ignoring case), said as it is typed
  const same = name.trim() ? taken(name.trim()) : undefined;
  const shown = same ? `A ${same.kind} named “${same.name}” exists in this project (names ignore case).` : error;
  return (
    <form
      className="ps-new-flow"
      aria-label={`New ${kind}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!name.trim()) return setError('Give it a name.');
        if (same) return;
        setBusy(true);
        onCreate(name.trim())
          .catch((err: unknown) => setError(newFlowError(err)))
          .finally(() => setBusy(false));
      }}
    >
      <input
        className={`ps-input${shown ? ' invalid' : ''}`}
        autoFocus
        aria-label={`New ${kind} name`}
        aria-invalid={shown ? true : undefined}
        aria-describedby={shown ? errorId : undefined}
        value={name}
        placeholder={`${kind} name`}
        onChange={(e) => {
          setName(e.target.value);
          setError(null);
        }}
        onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      />
      <button type="submit" className="ps-button ps-small ps-primary" disabled={busy}>
        Create
      </button>
      {shown ? (
        <p className="ps-field-error" id={errorId}>
          {shown}
        </p>
      ) : null}
    </form>
  );
}

export function ProjectShell({ project, flow: routeFlow, section = null }: { project: string; flow: string | null; section?: SettingsSection | null }) {
  const { api, catalog, tenant, role } = useShell();
  // a viewer looks: no new flows (the API refuses them)
  const readOnly = role === 'viewer';
  const [proj, setProj] = useState<Load<Project> | { status: 'missing' }>({ status: 'loading' });
  const [flows, setFlows] = useState<Load<Flow[]>>({ status: 'loading' });
  const [creating, setCreating] = useState<FlowKind | null>(null);
  const plusButtons = useRef(new Map<FlowKind, HTMLButtonElement>());
  const [sideShown, showSide, overlay] = useSidePanel();
  // on a phone-sized window the panel opens over the editor: its rail's button stays to close it
  const railButton = useRef<HTMLButtonElement>(null);
  const hideButton = useRef<HTMLButtonElement>(null);
  const sideId = useId();
  const over = overlay && sideShown;
  // closed from inside (its «, Escape): the focus goes back to the rail's », not the page's body
  const focusRail = useRef(false);
  const closeOver = (back: boolean) => {
    focusRail.current = back;
    showSide(false);
  };
  // opened over the editor: the focus goes into it (to its «), as into a dialog
  useEffect(() => {
    if (over) hideButton.current?.focus();
    else if (focusRail.current) {
      focusRail.current = false;
      railButton.current?.focus();
    }
  }, [over]);
  const memory = useRef(new TabMemory(localStorage));
  const [tabs, setTabs] = useState<Tabs>(() => memory.current.get(project));
  const cache = useRef(new Map<string, OpenFlow>());
  const [current, setCurrent] = useState<Load<OpenFlow> | null>(null);
  // bumped by Try again after the open flow failed to load
  const [attempt, setAttempt] = useState(0);

  const loadFlows = useCallback(() => {
    setFlows({ status: 'loading' });
    // every page: tabs of flows past the first page must not be taken for deleted ones
    loadAllFlows(api, project).then(
      (items) => {
        setFlows({ status: 'ready', value: items });
        setTabs(memory.current.retain(project, new Set(items.map((f) => f.id))));
      },
      (e: unknown) => setFlows({ status: 'error', message: errText(e) }),
    );
  }, [api, project]);

  const loadProject = useCallback(() => {
    setProj({ status: 'loading' });
    api.getProject(project).then(
      (p) => setProj({ status: 'ready', value: p }),
      // no such project (or not one of the member's): one clear state, not the shell around it
      (e: unknown) => setProj(e instanceof ApiError && (e.status === 404 || e.status === 403) ? { status: 'missing' } : { status: 'error', message: errText(e) }),
    );
  }, [api, project]);

  useEffect(() => {
    loadProject();
    loadFlows();
    setTabs(memory.current.get(project));
  }, [project, tenant, loadProject, loadFlows]);

  // no flow in the URL: reopen the remembered active tab
  useEffect(() => {
    if (!routeFlow) {
      if (section) return; // a settings screen is open, not a flow
      const t = memory.current.get(project);
      if (t.active) navigate(routePath({ name: 'flow', project, flow: t.active }), { replace: true });
      return;
    }
    setTabs(memory.current.open(project, routeFlow));
  }, [project, routeFlow, section]);

  // load the open flow (kept while its tab stays open)
  useEffect(() => {
    if (!routeFlow) return setCurrent(null);
    const hit = cache.current.get(routeFlow);
    if (hit) return setCurrent({ status: 'ready', value: hit });
    let cancelled = false;
    setCurrent({ status: 'loading' });
    openFlow(api, catalog, project, routeFlow).then(
      (o) => {
        if (cancelled) return o.saver.dispose();
        cache.current.set(routeFlow, o);
        setCurrent({ status: 'ready', value: o });
      },
      (e: unknown) =>
        !cancelled &&
        setCurrent(
          e instanceof ApiError && (e.status === 404 || e.status === 403)
            ? { status: 'error', message: 'This flow does not exist, or it was deleted.', missing: true }
            : { status: 'error', message: errText(e) },
        ),
    );
    return () => {
      cancelled = true;
    };
  }, [api, catalog, project, routeFlow, attempt]);

  // leaving the project: save what is unsaved, then let go
  useEffect(() => {
    const c = cache.current;
    return () => {
      for (const o of c.values()) void o.saver.flush().finally(() => o.saver.dispose());
      c.clear();
    };
  }, [project]);

  // warn before closing the page with unsaved work
  useEffect(() => {
    const f = (e: BeforeUnloadEvent) => {
      if ([...cache.current.values()].some((o) => o.saver.dirty)) e.preventDefault();
    };
    window.addEventListener('beforeunload', f);
    return () => window.removeEventListener('beforeunload', f);
  }, []);

  // closing the open flow's tab leaves it: what would lose unsaved edits asks first
  const closeTab = (id: string) => (id === routeFlow ? whenLeaving(() => dropTab(id)) : dropTab(id));
  const dropTab = (id: string) => {
    const o = cache.current.get(id);
    if (o) {
      void o.saver.flush().finally(() => o.saver.dispose());
      cache.current.delete(id);
    }
    const t = memory.current.close(project, id);
    setTabs(t);
    if (id === routeFlow) navigate(t.active ? routePath({ name: 'flow', project, flow: t.active }) : routePath({ name: 'project', project }));
    // the focused × went with its tab: the focus goes to the tab now open, else to the closed
    // flow's entry in the project panel
    const flowPath = routePath({ name: 'flow', project, flow: id });
    focusAfterTab(t.active, () => findByAttr(document, 'a.ps-side-item', 'href', flowPath));
  };
  /**
   * A tab went (closed, or its flow deleted) and with it the focused control (its ×, the
   * settings dialog's Delete): the focus goes to the tab now open, else to `orElse`, else to
   * the empty project's button; it went to the page's body, where Tab started at the top bar.
   */
  const focusAfterTab = (active: string | null | undefined, orElse: () => HTMLElement | null | undefined) =>
    focusWhenShown(() =>
      active
        ? findByAttr(document, '.ps-tabs [data-flow]', 'data-flow', active)
        : (orElse() ?? document.querySelector<HTMLElement>('.ps-project-main .ps-empty button')),
    );

  // the open flow's settings changed (the dialog saved them): its title, tab and list entry follow
  const flowChanged = (f: FlowDetail) => {
    const o = cache.current.get(f.id);
    if (o) {
      const next = { ...o, flow: f };
      cache.current.set(f.id, next);
      setCurrent((c) => (c?.status === 'ready' && c.value.flow.id === f.id ? { status: 'ready', value: next } : c));
    }
    const { name, run_saving, retention, error_flow, updated_at } = f;
    setFlows((l) => (l.status === 'ready' ? { status: 'ready', value: l.value.map((x) => (x.id === f.id ? { ...x, name, run_saving, retention, error_flow, updated_at } : x)) } : l));
  };

  // the open flow was deleted: its tab closes without saving, and it leaves the list
  const flowDeleted = (id: string) => {
    const kind = flows.status === 'ready' ? flows.value.find((x) => x.id === id)?.kind : undefined;
    cache.current.get(id)?.saver.dispose();
    cache.current.delete(id);
    setFlows((l) => (l.status === 'ready' ? { status: 'ready', value: l.value.filter((x) => x.id !== id) } : l));
    const t = memory.current.close(project, id);
    setTabs(t);
    // gone: nothing of it is left to keep
    if (id === routeFlow) navigate(t.active ? routePath({ name: 'flow', project, flow: t.active }) : routePath({ name: 'project', project }), { replace: true, force: true });
    // the dialog's Delete went with it: the tab now open, else the + of the flow's kind
    focusAfterTab(t.active, () => (kind ? plusButtons.current.get(kind) : null));
  };

  const flowName = (id: string) => (flows.status === 'ready' ? (flows.value.find((f) => f.id === id)?.name ?? id) : id);
  const goFlow = (id: string) => navigate(routePath({ name: 'flow', project, flow: id }));

  const title = (
    <>
      <a
        href="/"
        className="ps-link"
        onClick={(e) => {
          e.preventDefault();
          navigate('/');
        }}
      >
        Projects
      </a>{' '}
      / <strong>{proj.status === 'ready' ? proj.value.name : '…'}</strong>
    </>
  );

  if (proj.status === 'missing') {
    return (
      <div className="ps-empty ps-not-found" role="alert" aria-labelledby="ps-not-found-title">
        <h1 id="ps-not-found-title">Project not found</h1>
        <p>
          There is no project <code>{project}</code> here, or you are not a member of it.
        </p>
        <a
          href="/"
          className="ps-button ps-primary"
          onClick={(e) => {
            e.preventDefault();
            navigate('/');
          }}
        >
          Back to your projects
        </a>
      </div>
    );
  }

  return (
    <div className={`ps-project-shell${overlay ? ' ps-side-overlay' : ''}`}>
      {sideShown ? null : (
        <nav className="ps-side-rail" aria-label="Project">
          <button
            type="button"
            ref={railButton}
            className="ps-icon-button"
            aria-label="Show the project panel"
            title="Show the project panel (flows and settings)"
            aria-expanded={false}
            aria-controls={sideId}
            onClick={() => showSide(true)}
          >
            »
          </button>
        </nav>
      )}
      {/* over the editor: the rail keeps its room (the editor does not jump), a click beside the panel closes it */}
      {over ? <div className="ps-side-rail" aria-hidden /> : null}
      {over ? <div className="ps-side-backdrop" aria-hidden onClick={() => closeOver(false)} /> : null}
      <nav
        className="ps-side"
        id={sideId}
        aria-label="Project"
        hidden={!sideShown}
        onKeyDown={
          over
            ? (e) => {
                if (e.key !== 'Escape' || e.defaultPrevented) return;
                e.preventDefault();
                closeOver(true);
              }
            : undefined
        }
        onClick={
          over
            ? (e) => {
                // a flow or a settings screen opened from it: it makes way for what it opened
                if ((e.target as Element).closest('a[href]')) closeOver(false);
              }
            : undefined
        }
      >
        <div className="ps-side-title ps-row">
          <span className="ps-side-title-text">{title}</span>
          <button
            type="button"
            ref={hideButton}
            className="ps-icon-button ps-side-hide"
            aria-label="Hide the project panel"
            title="Hide the project panel (more room for the editor)"
            aria-expanded
            onClick={() => (over ? closeOver(true) : showSide(false))}
          >
            «
          </button>
        </div>
        <a
          href={routePath({ name: 'publish', project })}
          className="ps-side-item"
          onClick={(e) => {
            e.preventDefault();
            navigate(routePath({ name: 'publish', project }));
          }}
        >
          Publishing (stages × flows)
        </a>
        {proj.status === 'error' ? <p className="ps-field-error">{proj.message}</p> : null}
        {flows.status === 'loading' ? (
          <p role="status" className="ps-hint">
            Loading flows…
          </p>
        ) : flows.status === 'error' ? (
          <div role="alert">
            <p className="ps-field-error">{flows.message}</p>
            <button
              type="button"
              className="ps-button ps-small"
              onClick={() => {
                // the project's name failed with the list (the server was away): it comes back too
                if (proj.status === 'error') loadProject();
                loadFlows();
              }}
            >
              Try again
            </button>
          </div>
        ) : (
          KINDS.map(({ kind, title: t }) => {
            const list = flows.value.filter((f) => f.kind === kind);
            return (
              <section key={kind} className="ps-side-section" aria-label={t}>
                <div className="ps-row">
                  <h2>{t}</h2>
                  <span className="ps-toolbar-spacer" />
                  {readOnly ? null : (
                    <button
                      type="button"
                      className="ps-icon-button"
                      aria-label={`New ${kind}`}
                      title={`New ${kind}`}
                      ref={(el) => void (el ? plusButtons.current.set(kind, el) : plusButtons.current.delete(kind))}
                      onClick={() => setCreating(creating === kind ? null : kind)}
                    >
                      +
                    </button>
                  )}
                </div>
                {creating === kind ? (
                  <NewFlow
                    kind={kind}
                    taken={(n) => flows.value.find((f) => f.name.toLowerCase() === n.toLowerCase())}
                    onCancel={() => {
                      // Escape: back to the + it came from
                      setCreating(null);
                      plusButtons.current.get(kind)?.focus();
                    }}
                    onCreate={async (name) => {
                      const f = await api.createFlow(project, { kind, name });
                      setCreating(null);
                      setFlows((l) => (l.status === 'ready' ? { status: 'ready', value: [...l.value, f] } : l));
                      goFlow(f.id);
                    }}
                  />
                ) : null}
                {list.length === 0 && creating !== kind ? <p className="ps-hint ps-side-empty">None yet</p> : null}
                <ul>
                  {list.map((f) => (
                    <li key={f.id}>
                      <a
                        href={routePath({ name: 'flow', project, flow: f.id })}
                        className={`ps-side-item${f.id === routeFlow ? ' active' : ''}`}
                        aria-current={f.id === routeFlow ? 'page' : undefined}
                        onClick={(e) => {
                          e.preventDefault();
                          goFlow(f.id);
                        }}
                      >
                        {f.name}
                      </a>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })
        )}
        <SettingsNav project={project} active={section} />
      </nav>
      <div className="ps-project-main">
        {tabs.open.length ? (
          <div className="ps-tabs" role="tablist" aria-label="Open flows" onKeyDown={(e) => onTablistKey(e, false)}>
            {tabs.open.map((id) => (
              <div key={id} className={`ps-tab${id === routeFlow ? ' active' : ''}`}>
                <button type="button" role="tab" className="ps-tab-name" data-flow={id} title={flowName(id)} aria-selected={id === routeFlow} tabIndex={routeFlow && tabs.open.includes(routeFlow) ? tabIndexOf(id === routeFlow) : 0} onClick={() => goFlow(id)}>
                  {flowName(id)}
                </button>
                <button type="button" className="ps-tab-close" aria-label={`Close ${flowName(id)}`} onClick={() => closeTab(id)}>
                  ×
                </button>
              </div>
            ))}
          </div>
        ) : null}
        {section ? (
          <div className="ps-m-main-scroll">
            <SettingsScreen project={project} section={section} onFlowsChanged={loadFlows} onProjectChanged={(p) => setProj({ status: 'ready', value: p })} />
          </div>
        ) : !routeFlow ? (
          <div className="ps-empty">
            {sideShown ? (
              <p>Open a flow from the left, or create one with +.</p>
            ) : (
              // the panel is hidden to its rail (a narrow window): "the left" shows no flows
              <p>
                Open a flow from the project panel, or create one there with +.{' '}
                <button type="button" className="ps-button ps-small" onClick={() => showSide(true)}>
                  Show the flows
                </button>
              </p>
            )}
          </div>
        ) : current === null || current.status === 'loading' ? (
          <div className="ps-empty" role="status">
            <div className="ps-spinner" aria-hidden /> Loading the flow…
          </div>
        ) : current.status === 'error' ? (
          <div className="ps-empty" role="alert">
            <p className="ps-field-error">{current.message}</p>
            {/* gone for good: a way on, not a dead end */}
            {current.missing ? (
              <a
                className="ps-button ps-small"
                href={routePath({ name: 'project', project })}
                onClick={(e) => {
                  e.preventDefault();
                  navigate(routePath({ name: 'project', project }));
                }}
              >
                Back to the project
              </a>
            ) : null}
            {/* the server away for a moment (restarting, a network blip): no reload needed */}
            {current.missing ? null : (
              <button type="button" className="ps-button ps-small" onClick={() => setAttempt((n) => n + 1)}>
                Try again
              </button>
            )}
          </div>
        ) : (
          <FlowEditor key={current.value.flow.id} project={project} open={current.value} title={<strong>{current.value.flow.name}</strong>} onFlowChanged={flowChanged} onFlowDeleted={flowDeleted} />
        )}
      </div>
    </div>
  );
}
