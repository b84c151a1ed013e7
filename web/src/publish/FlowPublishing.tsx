// Publishing inside the flow editor: a stage select and Publish button in the toolbar, and a
// panel over the inspector with the flow's trigger (route or schedule form), its stages
// (published version, unpublish) and its versions. Publishing saves the draft first and
// sends its revision; a flow that does not validate (422) gets its problems listed and
// marked on the canvas like the editor's own.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { type ApiClient, ApiError, ConflictError, FlowInvalidError } from '../api/client';
import type { FlowDetail, Publication, Route } from '../api/types';
import { problemCount, useRefusalMarks } from '../editor/refusal';
import { saveProblemsText } from '../model/savable';
import type { Problem } from '../model/validate';
import type { EditorStore } from '../store/editor';
import type { DraftSaver } from '../store/saver';
import { errText, focusBackTo, formatTime, StagesLink, versionMessageProblem } from './common';
import { blockNavigation } from '../shell/router';
import { useMemberName } from './members';
import { RouteForm } from './RouteForm';
import { ScheduleForm } from './ScheduleForm';
import { StageRoute } from './ServedRoute';
import { type DraftControl, VersionsPanel } from './VersionsPanel';
import './publish.css';
import { useFocusBack } from '../ui/focusBack';
import { onTablistKey, tabIndexOf } from '../ui/tablist';

export interface PublishingOptions {
  api: ApiClient;
  project: string;
  flow: FlowDetail;
  store: EditorStore;
  saver: DraftSaver;
  /** The runtime config's trigger URL pattern. */
  triggerUrl?: string | undefined;
  /** The signed-in member may only look (a viewer): no Publish, and the panel shows the
   * trigger, stages and versions with its controls turned off. */
  readOnly?: boolean;
  /** Selects a node and brings it into view (the editor's EditorHandle.showNode); without it,
   * the banner's Show only selects it. */
  showNode?: ((id: string) => void) | undefined;
}

export interface Publishing {
  /** Toolbar controls: stage select, Publish, the panel toggle. */
  actions: React.ReactNode;
  /** The panel (null when closed); render it inside the editor's main box. */
  panel: React.ReactNode;
  /** The outcome of the last publish / unpublish (null when none). */
  banner: React.ReactNode;
  /** The server's problems from a refused publish, for EditorScreen's serverProblems. */
  serverProblems: Problem[] | undefined;
}

type Tab = 'trigger' | 'stages' | 'versions';
/**
 * A warning of a publish that went through, as a line, and the node it is about (for Show).
 * A marked one (problem) leaves the list when its mark on the canvas goes (its field changed).
 */
type WarningLine = { line: string; node?: string | undefined; handle?: string | undefined; problem?: Problem | undefined };
type Outcome =
  | { kind: 'ok'; text: string; warnings?: WarningLine[]; what?: string; warningTotal?: number }
  | { kind: 'error'; text: string; problems?: string[] };

/** "1 warning", "3 warnings". */
const warningCount = (n: number) => `${n} warning${n === 1 ? '' : 's'}`;

const saveWhy: Record<string, string> = {
  conflict: 'the draft was changed elsewhere',
  'confirm-empty': 'emptying the flow waits for your answer',
  'session-expired': 'the session expired',
  error: 'saving failed',
  unsaved: 'edits are still coming in',
  saving: 'a save is still running',
};

/** A DraftControl over the open flow's saver. */
export function draftControl(saver: DraftSaver): DraftControl {
  return {
    dirty: () => saver.dirty,
    save: async () => {
      await saver.flush();
      const k = saver.state.getState().state.kind;
      if (k === 'saved' && !saver.dirty) return { ok: true };
      const st = saver.state.getState().state;
      if (st.kind === 'invalid') return { ok: false, reason: saveProblemsText(st.problems) };
      return { ok: false, reason: saveWhy[k] ?? k };
    },
    revision: () => saver.state.getState().revision,
    reload: () => saver.loadTheirs(),
  };
}

/** Why Publish waits on an empty flow (the server refuses it: a run of it could not start). */
export const EMPTY_PUBLISH_TITLE = 'Nothing to publish yet: add a trigger and the nodes it runs first';

export function usePublishing(o: PublishingOptions): Publishing {
  const { api, project, flow, store, saver } = o;
  // an empty draft is refused by the server; Publish waits, as ▶ Run does, and says why
  const empty = useStore(store, (s) => s.doc.nodes.length === 0);
  const publishable = flow.kind !== 'blueprint';
  const hasTrigger = flow.kind === 'route' || flow.kind === 'schedule';
  const [stages, setStages] = useState<string[] | null>(null);
  const [slug, setSlug] = useState<string>('');
  const [pubs, setPubs] = useState<Publication[]>([]);
  const [stage, setStage] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  // problems of a refused publish are marked on the canvas (editor/refusal.ts says how long);
  // once every one is gone, so is the refusal listing them
  const refused = useRefusalMarks(store, saver, () => setOutcome((o) => (o?.kind === 'error' && o.problems ? null : o)));
  // a publish that went through with warnings marks them (as warnings) until what they are
  // about changes, the banner is dismissed or the next publish
  const warned = useRefusalMarks(store, saver, () => undefined);
  const [tab, setTab] = useState<Tab | null>(null);
  // the trigger form stays mounted while the panel is open (its draft survives the other tabs);
  // closing the panel with unsaved edits in it asks first
  const [triggerDirty, setTriggerDirty] = useState(false);
  // the question: closing the panel, or leaving the flow (another flow, a settings screen, the
  // back button), whose navigation waits in `leave` for Discard
  const [closing, setClosing] = useState<false | 'close' | 'leave'>(false);
  const leave = useRef<(() => void) | null>(null);
  const closePanel = () => {
    setTab(null);
    setClosing(false);
    setTriggerDirty(false);
  };
  const keepEditing = () => {
    leave.current = null;
    setClosing(false);
    setTab('trigger');
  };
  useEffect(() => {
    if (!triggerDirty || o.readOnly) return;
    return blockNavigation((proceed) => {
      leave.current = proceed;
      setClosing('leave');
      return true;
    });
  }, [triggerDirty, o.readOnly]);
  // leaving the page with them asks too (the browser's own question)
  useEffect(() => {
    if (!triggerDirty || o.readOnly) return;
    const f = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', f);
    return () => window.removeEventListener('beforeunload', f);
  }, [triggerDirty, o.readOnly]);
  // closed from inside (Escape, ✕, Discard): the focus goes back to the toolbar's toggle
  const toggleRef = useRef<HTMLButtonElement>(null);
  useFocusBack(tab !== null, () => toggleRef.current);

  const requestClose = () => {
    if (triggerDirty && !o.readOnly) setClosing('close');
    else closePanel();
  };
  const [confirm, setConfirm] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [versionsKey, setVersionsKey] = useState(0);
  const [message, setMessage] = useState('');
  const draft = useMemo(() => draftControl(saver), [saver]);
  const nameOf = useMemberName(api);

  // the flow's route now, for what publishing again would serve where a stage serves an older one
  const [route, setRoute] = useState<Route | null>(null);
  const isRoute = flow.kind === 'route';
  const loadPubs = useCallback(
    () =>
      api.listPublications(project, flow.id).then(
        (l) => {
          setPubs(l);
          if (isRoute && l.some((p) => p.route_differs)) return api.getRoute(project, flow.id).then(setRoute, () => undefined);
        },
        () => undefined,
      ),
    [api, project, flow.id, isRoute],
  );

  useEffect(() => {
    let live = true;
    setLoadError(null);
    Promise.all([api.listStages(project), api.getProject(project)]).then(
      ([st, p]) => {
        if (!live) return;
        const names = [...st].sort((a, b) => a.position - b.position).map((s) => s.name);
        setStages(names);
        setSlug(p.slug);
        setStage((cur) => cur || names.find((n) => !st.find((s) => s.name === n)?.production) || names[0] || '');
      },
      (e: unknown) => live && setLoadError(errText(e)),
    );
    if (publishable) void loadPubs();
    return () => {
      live = false;
    };
  }, [api, project, publishable, loadPubs]);

  // the flow's run saving is part of what a stage serves (route_differs): a change in the flow's
  // settings reads the publications again, so the route-changed notices follow it
  const runSaving = flow.run_saving;
  const lastRunSaving = useRef(runSaving);
  useEffect(() => {
    if (lastRunSaving.current === runSaving) return;
    lastRunSaving.current = runSaving;
    if (publishable) void loadPubs();
  }, [runSaving, publishable, loadPubs]);

  const messageProblem = versionMessageProblem(message);
  const publish = async (to: string, from = document.activeElement?.getAttribute('aria-label') ?? null) => {
    if (messageProblem) {
      setOutcome({ kind: 'error', text: `Not published: ${messageProblem[0]!.toLowerCase()}${messageProblem.slice(1)}` });
      setTab((t) => t ?? 'stages');
      return;
    }
    setBusy(true);
    setOutcome(null);
    warned.clear();
    try {
      const s = await draft.save();
      if (!s.ok) {
        setOutcome({ kind: 'error', text: `Not published: the draft could not be saved first (${s.reason}).` });
        return;
      }
      const r = await api.publish(project, flow.id, to, { revision: draft.revision(), ...(message.trim() ? { message: message.trim() } : {}) });
      setMessage('');
      refused.clear();
      const what = `version ${r.version.number} to ${to}${r.created ? ' (a new version of the draft)' : ''}`;
      if (r.warnings?.length) {
        const w = warned.mark(r.warnings, true);
        const doc = store.getState().doc;
        const lines = w.problems.map((p, i) => ({ line: w.lines[i]!, node: p.node, handle: doc.nodes.find((n) => n.id === p.node)?.handle, problem: w.marks.includes(p) ? p : undefined }));
        setOutcome({ kind: 'ok', text: `Published — ${warningCount(lines.length)}: ${what}. Warnings do not stop it; they are marked on the canvas.`, warnings: lines, what, warningTotal: lines.length });
      } else {
        warned.clear();
        setOutcome({ kind: 'ok', text: `Published ${what}.` });
      }
      if (r.created) setVersionsKey((k) => k + 1);
      await loadPubs();
    } catch (e) {
      if (e instanceof FlowInvalidError) {
        // the editor already shows what its own validation finds; only the rest is marked
        const r = refused.mark(e.problems);
        setOutcome({ kind: 'error', text: `Not published: the flow has ${problemCount(r.lines.length)} (marked on the canvas).`, problems: r.lines });
      } else if (e instanceof ConflictError) {
        setOutcome({ kind: 'error', text: `Not published: ${e.detail || e.fieldErrors[0]?.message || 'the draft was changed elsewhere'}.` });
      } else {
        setOutcome({ kind: 'error', text: `Not published: ${e instanceof ApiError ? errText(e) : String(e)}` });
      }
    } finally {
      setBusy(false);
      // the pressed button was off while it ran, which dropped the keyboard on the page's body
      if (from) focusBackTo(from);
    }
  };

  const unpublish = async (from: string) => {
    setBusy(true);
    setConfirm(null);
    setOutcome(null);
    try {
      await api.unpublish(project, flow.id, from);
      setOutcome({ kind: 'ok', text: `Unpublished from ${from}.` });
      await loadPubs();
    } catch (e) {
      setOutcome({ kind: 'error', text: `Not unpublished: ${errText(e)}` });
    } finally {
      setBusy(false);
      // the confirm button is gone: back to Unpublish (still published) or Publish (not)
      focusBackTo(`Unpublish from ${from}`, `Publish to ${from}`);
    }
  };

  const published = useMemo(() => Object.fromEntries(pubs.map((p) => [p.stage, p.version])), [pubs]);
  const routeChanged = useMemo(() => new Set(pubs.filter((p) => p.route_differs).map((p) => p.stage)), [pubs]);

  /** Why Publish is off (null when it is on or only busy): its description, not only its
   * title, which a disabled button (no focus) gives only to a mouse. */
  const publishWhy = empty ? EMPTY_PUBLISH_TITLE : stage ? null : stages === null ? 'Loading the stages…' : 'Add a stage first';
  /** The same, short enough to stay beside the button on screen (a mouse's tooltip and a
   * screen reader's description were all that said it). */
  const publishWhyShort = empty ? 'Nothing to publish yet' : publishWhy;

  const actions = (
    <div className="ps-pub-bar" role="group" aria-label="Publishing">
      {publishable && !o.readOnly ? (
        <>
          <select
            className={`ps-input ps-pub-stage${routeChanged.has(stage) ? ' ps-differs' : ''}`}
            aria-label="Stage"
            data-testid="publish-stage"
            value={stage}
            disabled={!stages?.length}
            onChange={(e) => setStage(e.target.value)}
            // the select is narrow: its option's "· route changed" is cut off, so the tooltip and border say it
            title={routeChanged.has(stage) ? `The stage to publish to: ${stage} serves older route settings; publish again to serve the current ones` : 'The stage to publish to'}
          >
            {stages === null ? <option value="">…</option> : null}
            {stages?.length === 0 ? <option value="">no stages</option> : null}
            {stages?.map((s) => (
              <option key={s} value={s}>
                {s}
                {published[s] ? ` · v${published[s]}` : ''}
                {routeChanged.has(s) ? ' · route changed' : ''}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="ps-button ps-small"
            aria-label="Publish"
            data-testid="publish-button"
            disabled={busy || !stage || empty}
            title={publishWhy ?? `Publish the draft to ${stage}`}
            aria-describedby={publishWhy ? 'ps-publish-why' : undefined}
            onClick={() => void publish(stage)}
          >
            {busy ? 'Publishing…' : 'Publish'}
          </button>
          {publishWhy ? (
            <>
              {/* on screen, short (its tooltip the whole reason); the button's description says it in full */}
              <span className="ps-publish-why" data-testid="publish-why" aria-hidden title={publishWhy}>
                {publishWhyShort}
              </span>
              <span id="ps-publish-why" className="ps-sr-only">
                {publishWhy}
              </span>
            </>
          ) : null}
        </>
      ) : null}
      <button
        type="button"
        className={`ps-icon-button${tab ? ' on' : ''}`}
        aria-pressed={tab !== null}
        aria-label="Publishing panel"
        data-testid="publishing-panel-toggle"
        ref={toggleRef}
        title={hasTrigger ? 'Trigger, stages and versions' : 'Stages and versions'}
        onClick={() => (tab ? requestClose() : setTab(hasTrigger ? 'trigger' : publishable ? 'stages' : 'versions'))}
      >
        ☰
      </button>
    </div>
  );

  const tabs: { id: Tab; label: string; show: boolean }[] = [
    { id: 'trigger', label: flow.kind === 'schedule' ? 'Schedule' : 'Route', show: hasTrigger },
    { id: 'stages', label: 'Stages', show: publishable },
    { id: 'versions', label: 'Versions', show: true },
  ];

  const panel = tab ? (
    <aside
      className="ps-pub-panel ps-pub-overlay"
      aria-label="Publishing panel"
      onKeyDown={(e) => {
        // a control that used Escape itself (the time zone list) keeps the panel open
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        if (closing) keepEditing();
        else requestClose();
      }}
    >
      <div className="ps-pub-panel-tabs" role="tablist" aria-label="Publishing" onKeyDown={(e) => onTablistKey(e)}>
        {tabs
          .filter((t) => t.show)
          .map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              id={`ps-pub-tab-${t.id}`}
              aria-selected={tab === t.id}
              aria-controls="ps-pub-tabpanel"
              tabIndex={tabIndexOf(tab === t.id)}
              aria-describedby={t.id === 'trigger' && triggerDirty ? 'ps-trigger-unsaved' : undefined}
              className={`ps-button ps-small${tab === t.id ? ' on' : ''}`}
              onClick={() => setTab(t.id)}
            >
              {t.label}
              {t.id === 'trigger' && triggerDirty ? (
                <span className="ps-unsaved-mark" aria-hidden data-testid="trigger-unsaved" title={`The ${t.label.toLowerCase()} has unsaved changes`}>
                  {' '}•
                </span>
              ) : null}
            </button>
          ))}
        {triggerDirty ? (
          <span id="ps-trigger-unsaved" className="ps-sr-only">
            unsaved changes
          </span>
        ) : null}
        <span className="ps-toolbar-spacer" />
        <button type="button" className="ps-icon-button" aria-label="Close the publishing panel" onClick={requestClose}>
          ×
        </button>
      </div>
      {closing ? (
        <div className="ps-pub-alert ps-pub-confirm" role="alertdialog" aria-labelledby="ps-unsaved-title" aria-describedby="ps-unsaved-text" data-testid="unsaved-trigger-confirm">
          <strong id="ps-unsaved-title">You have unsaved changes</strong>{' '}
          <span id="ps-unsaved-text">
            The {flow.kind === 'schedule' ? 'schedule' : 'route'} form holds edits that are not saved; {closing === 'leave' ? 'leaving this flow' : 'closing the panel'} discards them.
          </span>
          <div className="ps-row">
            <button
              type="button"
              className="ps-button ps-small ps-danger"
              onClick={() => {
                const go = leave.current;
                leave.current = null;
                closePanel();
                go?.();
              }}
            >
              Discard
            </button>
            <button type="button" className="ps-button ps-small ps-primary" autoFocus onClick={keepEditing}>
              Keep editing
            </button>
          </div>
        </div>
      ) : null}
      {/* a viewer's trigger and stages tabs show with their controls off; versions still open and compare */}
      <fieldset className="ps-pub-panel-body" role="tabpanel" id="ps-pub-tabpanel" aria-labelledby={`ps-pub-tab-${tab}`} disabled={o.readOnly && tab !== 'versions'}>
        {o.readOnly ? (
          <p className="ps-hint" role="note">
            Read only: an editor or admin of the project publishes this flow and changes its trigger.
          </p>
        ) : null}
        {loadError ? <p className="ps-field-error">{loadError}</p> : null}
        {/* kept while the panel is open, hidden on the other tabs: what is typed there is not lost */}
        {hasTrigger ? (
          <div hidden={tab !== 'trigger'} data-testid="trigger-tab">
            {flow.kind === 'route' ? (
              <RouteForm
                api={api}
                project={project}
                flow={flow.id}
                slug={slug}
                stages={stages ?? []}
                triggerPattern={o.triggerUrl}
                published={published}
                publications={publishable ? pubs : undefined}
                onPublish={o.readOnly ? undefined : (s) => void publish(s)}
                busy={busy}
                onSaved={(r) => {
                  setRoute(r);
                  // whether each stage serves it now
                  void loadPubs();
                }}
                onDirty={setTriggerDirty}
              />
            ) : (
              <ScheduleForm api={api} project={project} flow={flow.id} refreshKey={pubs.map((p) => `${p.stage}:${p.version}`).join(',')} onDirty={setTriggerDirty} />
            )}
          </div>
        ) : null}
        {tab === 'stages' ? (
          <section aria-label="Stages">
            <div className="ps-pub-field">
              <label className="ps-pub-label" htmlFor="ps-publish-message">
                Message for the new version (optional)
              </label>
              <input
                id="ps-publish-message"
                className={`ps-input${messageProblem ? ' invalid' : ''}`}
                aria-invalid={messageProblem ? true : undefined}
                aria-describedby={messageProblem ? 'ps-publish-message-error' : undefined}
                value={message}
                placeholder="What changed"
                onChange={(e) => setMessage(e.target.value)}
              />
              {messageProblem ? (
                <span id="ps-publish-message-error" className="ps-field-error">
                  {messageProblem}
                </span>
              ) : null}
            </div>
            {stages === null ? <p className="ps-hint">Loading stages…</p> : stages.length === 0 ? (
              <p className="ps-hint">
                The project has no stages yet to publish to. <StagesLink project={project}>Add a stage</StagesLink> (production, staging…) in the project's settings.
              </p>
            ) : null}
            {empty && stages?.length ? (
              <p className="ps-hint" id="ps-publish-empty">
                {EMPTY_PUBLISH_TITLE}
              </p>
            ) : null}
            <ul className="ps-versions">
              {stages?.map((s) => {
                const p = pubs.find((x) => x.stage === s);
                return (
                  <li key={s} className="ps-version" data-testid={`stage-${s}`}>
                    <div className="ps-version-head">
                      <strong>{s}</strong>
                      <span className="ps-toolbar-spacer" />
                      {p ? <span>v{p.version}</span> : <span className="ps-hint">not published</span>}
                    </div>
                    {p ? (
                      <div className="ps-hint">
                        {formatTime(p.published_at)} by <span title={p.by}>{nameOf(p.by)}</span>
                      </div>
                    ) : null}
                    {isRoute ? <StageRoute stage={s} publication={p} current={route} /> : null}
                    <div className="ps-version-actions">
                      <button
                        type="button"
                        className={`ps-button ps-small${p?.route_differs ? ' ps-primary' : ''}`}
                        disabled={busy || empty}
                        title={empty ? EMPTY_PUBLISH_TITLE : undefined}
                        aria-describedby={empty ? 'ps-publish-empty' : undefined}
                        aria-label={`Publish to ${s}`}
                        onClick={() => void publish(s)}
                      >
                        {p ? 'Republish the draft' : 'Publish the draft'}
                      </button>
                      {p && confirm !== s ? (
                        <button type="button" className="ps-button ps-small" disabled={busy} aria-label={`Unpublish from ${s}`} onClick={() => setConfirm(s)}>
                          Unpublish
                        </button>
                      ) : null}
                      {p && confirm === s ? (
                        <>
                          <button type="button" autoFocus className="ps-button ps-small ps-danger" aria-label={`Confirm unpublish from ${s}`} onClick={() => void unpublish(s)}>
                            Unpublish from {s}
                          </button>
                          <button
                            type="button"
                            className="ps-button ps-small"
                            onClick={() => {
                              setConfirm(null);
                              focusBackTo(`Unpublish from ${s}`);
                            }}
                          >
                            Cancel
                          </button>
                        </>
                      ) : null}
                    </div>
                  </li>
                );
              })}
            </ul>
          </section>
        ) : tab === 'versions' ? (
          <VersionsPanel key={versionsKey} api={api} project={project} flow={flow.id} draft={draft} onRestored={() => void loadPubs()} readOnly={o.readOnly ?? false} />
        ) : null}
      </fieldset>
    </aside>
  ) : null;

  // the warnings still about what they were: one whose field changed is gone from the canvas, so
  // from the list too (the text says how many changed since, which the stage still serves)
  const liveWarnings = outcome?.kind === 'ok' ? outcome.warnings?.filter((w) => !w.problem || warned.problems?.includes(w.problem)) : undefined;
  const changedWarnings = outcome?.kind === 'ok' && outcome.warningTotal ? outcome.warningTotal - (liveWarnings?.length ?? 0) : 0;
  const outcomeText =
    outcome?.kind === 'ok' && outcome.warningTotal && changedWarnings
      ? `Published — ${warningCount(outcome.warningTotal)}: ${outcome.what}. ${
          liveWarnings?.length
            ? `Warnings do not stop it; they are marked on the canvas. ${changedWarnings} changed in the draft since (publish again to serve the change${changedWarnings === 1 ? '' : 's'}).`
            : `${outcome.warningTotal === 1 ? 'It has' : 'Each has'} changed in the draft since: publish again to serve the change${outcome.warningTotal === 1 ? '' : 's'}.`
        }`
      : outcome?.text;
  const show = (id: string) => (o.showNode ? o.showNode(id) : store.getState().select({ nodes: [id], edges: [] }));

  const banner = outcome ? (
    <div className={`ps-banner${outcome.kind === 'error' ? ' ps-banner-error' : ''}`} role={outcome.kind === 'error' ? 'alert' : 'status'} data-testid="publish-outcome">
      <div>
        {outcomeText}
        {outcome.kind === 'error' && outcome.problems?.length ? (
          <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
            {outcome.problems.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        ) : null}
        {liveWarnings?.length ? (
          <ul className="ps-publish-warnings" aria-label="Warnings">
            {liveWarnings.map((w, i) => (
              <li key={i}>
                <span aria-hidden>△ </span>
                {w.line}{' '}
                {w.node ? (
                  <button
                    type="button"
                    className="ps-link"
                    aria-label={`Show ${w.handle ?? 'the node'}`}
                    onClick={() => show(w.node!)}
                  >
                    Show
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <button
        type="button"
        className="ps-link"
        onClick={() => {
          setOutcome(null);
          refused.clear();
          warned.clear();
        }}
      >
        Dismiss
      </button>
    </div>
  ) : null;

  const serverProblems = useMemo(() => (refused.problems || warned.problems ? [...(refused.problems ?? []), ...(warned.problems ?? [])] : undefined), [refused.problems, warned.problems]);
  return { actions, panel, banner, serverProblems };
}
