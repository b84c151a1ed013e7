// One open flow: its draft in the canvas editor, autosaved with the draft's revision, and the
// Run button with live node states over the WebSocket and a logs / output panel.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { ApiError, FlowInvalidError } from '../api/client';
import { SUBSCRIBE_SETTLE_MS, type RunEvent } from '../api/live';
import type { FlowDetail, FlowKind, FlowUpdate, Flow, Run, StartRunInput } from '../api/types';
import { useFlowChat } from '../chat/FlowChat';
import type { FlowLinks } from '../editor/context';
import { type EditorHandle, EditorScreen } from '../editor/EditorScreen';
import { useRefusalMarks } from '../editor/refusal';
import { usePublishing } from '../publish/FlowPublishing';
import { ResumeForm } from '../runs/ResumeForm';
import { resumedRun } from '../runs/resume';
import { RunControls } from '../runs/RunControls';
import { useRefusedRun } from '../runs/refusal';
import { RunHistory } from '../runs/RunHistory';
import { createEditorStore, type EditorStore } from '../store/editor';
import { edgeStates, runFromDetail, type RunState } from '../store/run';
import { adoptRun, applyLiveEvent, RunFollower, statusChanged } from '../runs/follow';
import { mergeProblems } from '../store/checker';
import { DraftSaver, type SaveState } from '../store/saver';
import { saveProblemsText } from '../model/savable';
import { useShell } from './context';
import { useDraftCheck } from './draftCheck';
import { useEditorLists } from './editorLists';
import { FlowSettingsDialog } from './FlowSettings';
import { navigate } from './router';
import { routePath } from './routes';
import { Modal } from '../ui/Modal';
import { useFocusBack } from '../ui/focusBack';
import { useToolbarBottom } from '../ui/belowToolbar';
import { onTablistKey, tabIndexOf } from '../ui/tablist';

/** An open flow kept while its tab is open, so switching tabs keeps unsaved work and undo. */
export interface OpenFlow {
  flow: FlowDetail;
  store: EditorStore;
  saver: DraftSaver;
}

const finished = (s: string) => s !== 'running' && s !== 'paused';

/** The trigger an empty flow of each kind offers to start with: what its runs enter by. */
export const STARTERS: Record<FlowKind, readonly string[]> = {
  route: ['trigger.route'],
  schedule: ['trigger.schedule'],
  service: ['flow.input'],
  blueprint: ['trigger.manual'],
};

/** Why a viewer's editor changes nothing (the Read only chip's title). */
export const READ_ONLY_TITLE = 'You are a viewer in this project: you can look at this flow, its runs and its versions. An editor or admin can change, run or publish it.';

function saveLabel(s: SaveState): { cls: string; text: string } {
  switch (s.kind) {
    case 'saved':
      return { cls: 'saved', text: 'Saved' };
    case 'unsaved':
      return { cls: 'unsaved', text: 'Unsaved changes' };
    case 'saving':
      return { cls: 'unsaved', text: 'Saving…' };
    case 'error':
      return { cls: 'error', text: `Not saved: ${s.message}${s.retryIn ? ' · trying again' : ''}` };
    case 'conflict':
      return { cls: 'error', text: 'Changed elsewhere' };
    case 'invalid':
      return { cls: 'error', text: `Not saved: ${saveProblemsText(s.problems)}` };
    case 'confirm-empty':
      return { cls: 'unsaved', text: 'Not saved — confirm emptying the flow' };
    case 'session-expired':
      return { cls: 'error', text: 'Not saved — sign in again' };
  }
}

function json(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

function RunPanel({ run, note, onClose, nameOf, resume }: { run: RunState; note?: string | null; onClose(): void; nameOf(id: string): string; resume?: React.ReactNode }) {
  const [tab, setTab] = useState<'logs' | 'output'>('logs');
  return (
    <section className="ps-run-panel" aria-label="Run">
      <div className="ps-row">
        <strong>Run</strong>{' '}
        {/* a live region: a run that ends (or pauses) is said, not only coloured */}
        <span role="status" aria-label="Run status">
          <span className={`ps-chip ps-run-${run.status}`}>{run.status}</span>
        </span>
        <span className="ps-hint">{run.runId}</span>
        <span className="ps-toolbar-spacer" />
        <div role="tablist" aria-label="Run details" className="ps-row" onKeyDown={(e) => onTablistKey(e)}>
          {(
            [
              ['logs', `Logs (${run.logs.length})`],
              ['output', `Output (${run.results.size})`],
            ] as const
          ).map(([which, label]) => (
            <button
              key={which}
              type="button"
              role="tab"
              id={`ps-run-tab-${which}`}
              aria-selected={tab === which}
              aria-controls="ps-run-tabpanel"
              tabIndex={tabIndexOf(tab === which)}
              className="ps-button ps-small"
              onClick={() => setTab(which)}
            >
              {label}
            </button>
          ))}
        </div>
        <button type="button" className="ps-icon-button" aria-label="Close the run panel" onClick={onClose}>
          ×
        </button>
      </div>
      {run.error ? <p className="ps-field-error">{run.error}</p> : null}
      {/* the stored run could not be read (the editor keeps trying), or is no longer followed */}
      {note ? (
        <p className="ps-hint ps-run-note" data-testid="run-note">
          {note}
        </p>
      ) : null}
      {run.status === 'paused' ? resume : null}
      <div className="ps-run-panel-body" role="tabpanel" id="ps-run-tabpanel" aria-labelledby={`ps-run-tab-${tab}`} tabIndex={0}>
        {tab === 'logs' ? (
          run.logs.length ? (
            <ol className="ps-log-list">
              {run.logs.map((l) => (
                <li key={`${l.seq}`}>
                  <span className="ps-hint">{l.node ? nameOf(l.node) : ''}</span> <code>{typeof l.data === 'string' ? l.data : json(l.data)}</code>
                </li>
              ))}
            </ol>
          ) : (
            <p className="ps-hint">{run.status === 'running' ? 'Waiting for logs…' : 'No logs.'}</p>
          )
        ) : run.results.size ? (
          <dl className="ps-output-list">
            {[...run.results].map(([node, data]) => (
              <div key={node}>
                <dt>{nameOf(node)}</dt>
                <dd>
                  <pre>{json(data)}</pre>
                </dd>
              </div>
            ))}
          </dl>
        ) : (
          <p className="ps-hint">{run.status === 'running' ? 'Waiting for output…' : 'No node output.'}</p>
        )}
      </div>
    </section>
  );
}

/** The open flow with a settings change the API answered: what was sent, then the answer (its draft stays). */
export function withSettings(flow: FlowDetail, answer: Flow, sent: FlowUpdate): FlowDetail {
  return { ...flow, ...sent, ...answer, draft: flow.draft };
}

export function FlowEditor({
  project,
  open,
  title,
  onFlowChanged,
  onFlowDeleted,
}: {
  project: string;
  open: OpenFlow;
  title: React.ReactNode;
  /** The flow's settings changed (its name, say): the shell shows them (the title, the tabs). */
  onFlowChanged?: (flow: FlowDetail) => void;
  /** The flow was deleted (from its settings): the shell closes its tab. */
  onFlowDeleted?: (id: string) => void;
}) {
  const { api, live, theme, setTheme, signInEpoch, triggerUrl, email, sub, role, tenant } = useShell();
  const { store, saver } = open;
  // the flow as its settings last were: the dialog opens on them after a save even without a shell
  const [flow, setFlow] = useState<FlowDetail>(open.flow);
  useEffect(() => setFlow(open.flow), [open.flow]);
  const [settingsOpen, setSettingsOpen] = useState(false);
  // a viewer looks: the server refuses their changes and runs, so nothing offers them
  const readOnly = role === 'viewer';
  // the editor's own actions: the banners' Show selects a node and pans to it as its problems list does
  const editor = useRef<EditorHandle>(null);
  const showNode = useCallback((id: string) => (editor.current ? editor.current.showNode(id) : store.getState().select({ nodes: [id], edges: [] })), [store]);
  const pub = usePublishing({ api, project, flow, store, saver, triggerUrl, readOnly, showNode });
  // the server's check of each autosaved revision: what the editor's own validation cannot see
  // (a viewer changes nothing, so nothing is checked for them)
  const check = useDraftCheck(api, project, flow.id, store, saver, !readOnly);
  // a run refused because the flow does not validate marks its problems like a refused publish
  const refused = useRefusedRun(store, saver);
  // a chat message refused as invalid: its problems marked the same way (listed in the chat panel)
  const chatMarks = useRefusalMarks(store, saver, () => {});
  const serverProblems = useMemo(
    () => mergeProblems(pub.serverProblems, refused.problems, chatMarks.problems, check.problems),
    [pub.serverProblems, refused.problems, chatMarks.problems, check.problems],
  );
  // a chat message's run shows on the canvas like a run started from the toolbar
  const chat = useFlowChat({
    api,
    live,
    project,
    flow: flow.id,
    store,
    flush: () => saver.flush(),
    user: email ?? sub ?? '',
    onRun: (runId) => {
      setRunError(null);
      refused.clear();
      chatMarks.clear();
      adopt(runId);
      void follower.follow(runId);
    },
    onRefused: (problems) => {
      // the newest refusal is the one marked: a Run button's refusal before it goes
      refused.clear();
      return chatMarks.mark(problems);
    },
  });
  // what the inspector's secret, env and flow pickers offer
  const lists = useEditorLists(api, project, !readOnly);
  const flowLinks: FlowLinks = useMemo(
    () => ({
      href: (id) => routePath({ name: 'flow', project, flow: id }),
      open: (id) => navigate(routePath({ name: 'flow', project, flow: id })),
    }),
    [project],
  );
  const save = useStore(saver.state, (s) => s.state);
  const doc = useStore(store, (s) => s.doc);
  const [run, setRun] = useState<RunState | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [otherRuns, setOtherRuns] = useState(0);
  // the run that ended last: the history waits for it to be listed (it is stored just after)
  const [lastEnded, setLastEnded] = useState<string | undefined>(undefined);
  const [stages, setStages] = useState<string[]>([]);
  // what the run panel says about following the run (a read of the stored run that failed)
  const [runNote, setRunNote] = useState<{ runId: string; text: string } | null>(null);
  const buffer = useRef<RunEvent[]>([]);
  // the run shown, as the events and reads left it: the one source the socket's handler, the
  // follower and the panel go by (never set back from a render, which may be an older state)
  const runRef = useRef<RunState | null>(null);
  const show = useCallback((s: RunState | null) => {
    runRef.current = s;
    setRun(s);
  }, []);
  // the stored run read while a run is followed (the socket may miss its end): api, project and
  // flow as they are now, not as the first render saw them
  const latest = useRef({ api, project, flow: flow.id, live });
  latest.current = { api, project, flow: flow.id, live };
  const [follower] = useState(
    () =>
      new RunFollower({
        read: (runId) => latest.current.api.getRun(latest.current.project, latest.current.flow, runId),
        current: () => runRef.current,
        show: (s) => show(s),
        socketOpen: () => latest.current.live.status === 'open',
        onNote: (runId, text) => setRunNote(text ? { runId, text } : null),
      }),
  );
  useEffect(() => () => follower.dispose(), [follower]);

  // signed in again after the session expired: save what waited
  const firstEpoch = useRef(signInEpoch);
  useEffect(() => {
    if (signInEpoch !== firstEpoch.current) void saver.retry();
  }, [signInEpoch, saver]);

  // live events of this flow; kept briefly so events before the run id is known are not lost
  useEffect(() => {
    // runs that ended just after the flow was (re)subscribed sent no events (the routers' cache
    // of subscribers): once that window has passed, the history re-reads as for a run_end
    let settle: ReturnType<typeof setTimeout> | undefined;
    const catchUp = () => {
      clearTimeout(settle);
      settle = setTimeout(() => setOtherRuns((n) => n + 1), SUBSCRIBE_SETTLE_MS);
      // events of the time the socket was away are missing: the followed run is read again
      follower.resubscribed();
    };
    const off = live.subscribe(project, flow.id, (e) => {
      const cur = runRef.current;
      if (cur && e.run_id === cur.runId) {
        show(applyLiveEvent(cur, e));
        // the stored run is read once its events stop, soon after its end
        follower.event(e);
        if (e.type === 'run_end') setLastEnded(cur.runId);
      } else {
        buffer.current.push(e);
        if (buffer.current.length > 1000) buffer.current.splice(0, buffer.current.length - 1000);
        // a run the editor did not start (a trigger, another tab) ended: the history re-reads
        if (e.type === 'run_end') {
          setLastEnded(e.run_id);
          setOtherRuns((n) => n + 1);
        }
      }
    }, { onSubscribed: catchUp });
    return () => {
      off();
      clearTimeout(settle);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, project, flow.id]);

  // the project's stages, for the run options' sub-stage and the history's stage filter
  useEffect(() => {
    let live = true;
    api.listStages(project).then(
      (l) => live && setStages(l.map((x) => x.name)),
      () => {},
    );
    return () => {
      live = false;
    };
    // opening the history or the options reads them again: stages change on their own screen
  }, [api, project, historyOpen]);

  /** Makes runId the run the canvas shows, with its events that came before its id was known. */
  const adopt = (runId: string) => {
    const s = adoptRun(runId, buffer.current);
    buffer.current = buffer.current.filter((e) => e.run_id !== runId);
    setRunNote(null);
    show(s);
  };

  const start = async (input: StartRunInput = {}) => {
    setStarting(true);
    setRunError(null);
    refused.clear();
    chatMarks.clear();
    try {
      await saver.flush();
      const r = await api.startRun(project, flow.id, input);
      adopt(r.run_id);
      // ▶ Run waits while the run runs; the follower reads the stored run until it is settled
      await follower.follow(r.run_id);
    } catch (e) {
      if (e instanceof FlowInvalidError) refused.refuse(e);
      else setRunError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setStarting(false);
    }
  };

  /** Continues the paused run on the panel; its events come on the socket as before. */
  const resume = async (body: { node: string; input?: unknown }) => {
    const cur = runRef.current;
    if (!cur) return;
    await api.resumeRun(project, flow.id, cur.runId, body);
    const now = runRef.current;
    if (now?.runId !== cur.runId) return;
    // the resumed run's events may have come before the answer (it ended, or paused again):
    // they are newer than the resume, which marks the run running only while none came
    if (!statusChanged(cur, now)) show(resumedRun(now, body.node));
    await follower.follow(cur.runId, { resumedNode: body.node });
  };

  /** Shows a past run on the canvas: its node states, outputs and logs. */
  const openPast = async (r: Run) => {
    setRunError(null);
    try {
      const d = await api.getRun(project, flow.id, r.id);
      setRunNote(null);
      show(runFromDetail(d));
      // a run still running (a trigger's, another tab's) is followed like one started here
      if (d.status === 'running') void follower.follow(d.id);
      else follower.closed();
    } catch (e) {
      setRunError(e instanceof ApiError ? e.message : String(e));
    }
  };

  const edges = useMemo(() => (run ? edgeStates(doc, run) : null), [doc, run]);
  // the history or the run panel closed from inside (its ×): the focus goes back to the toolbar
  const root = useRef<HTMLDivElement>(null);
  const toolbarButton = (id: string) => root.current?.querySelector<HTMLElement>(`[data-testid="${id}"]:not(:disabled)`);
  useFocusBack(historyOpen, () => toolbarButton('history-toggle'));
  useFocusBack(run !== null, () => toolbarButton('run-button') ?? toolbarButton('history-toggle'));
  const label = saveLabel(save);
  // the panels start below the toolbar, however many rows it wraps to
  const main = useRef<HTMLDivElement>(null);
  useToolbarBottom(main);

  return (
    <div className="ps-flow-editor" ref={root}>
      <div className="ps-flow-editor-main" ref={main}>
        {/* below the editor's 960 px the editor scrolls sideways here, under the panels, which stay in view */}
        <div className="ps-editor-scroll">
          <EditorScreen
            handle={editor}
            starters={STARTERS[flow.kind]}
            store={store}
            theme={theme}
            onTheme={setTheme}
            title={title}
            readOnly={readOnly}
            status={
              readOnly ? (
                <span className="ps-save-state read-only" role="status" aria-label="Save state" title={READ_ONLY_TITLE}>
                  Read only
                </span>
              ) : (
                <span className={`ps-save-state ${label.cls}`} role="status" aria-label="Save state" title={label.cls === 'error' ? label.text : undefined}>
                  {/* the text gives way (ellipsis), never the Retry beside it */}
                  <span className="ps-save-text">{label.text}</span>
                  {save.kind === 'error' || save.kind === 'session-expired' ? (
                    <button type="button" className="ps-link" onClick={() => void saver.retry()}>
                      Retry
                    </button>
                  ) : null}
                  {/* a value the save refused: the node is selected, so the inspector shows the field and why */}
                  {save.kind === 'invalid' && save.problems[0]?.node ? (
                    <button
                      type="button"
                      className="ps-link"
                      aria-label={`Show ${save.problems[0].field ?? 'the field'} of ${save.problems[0].handle ?? 'the node'}`}
                      onClick={() => showNode(save.problems[0]!.node!)}
                    >
                      Show
                    </button>
                  ) : null}
                </span>
              )
            }
            actions={
              <>
                {readOnly ? (
                  <button
                  type="button"
                  className={`ps-button ps-small${historyOpen ? ' on' : ''}`}
                  aria-pressed={historyOpen}
                  onClick={() => setHistoryOpen((o) => !o)}
                  title="Past runs of this flow"
                  data-testid="history-toggle"
                >
                    History
                  </button>
                ) : (
                  <RunControls
                    store={store}
                    flow={flow.id}
                    kind={flow.kind}
                    stages={stages}
                    starting={starting}
                    startingLabel={!run}
                    historyOpen={historyOpen}
                    onRun={(input) => void start(input)}
                    onToggleHistory={() => setHistoryOpen((o) => !o)}
                  />
                )}
                {readOnly ? null : chat.button}
                {pub.actions}
                <button type="button" className="ps-button ps-small" aria-haspopup="dialog" title="Flow settings: name, run history, error flow" onClick={() => setSettingsOpen(true)}>
                  Settings
                </button>
              </>
            }
            serverProblems={serverProblems}
            problemsNote={check.note}
            secretKeys={lists.secretKeys}
            envKeys={lists.envKeys}
            flows={lists.flows}
            flowId={flow.id}
            draftScope={`${tenant}/${project}/${flow.id}`}
            flowLinks={flowLinks}
            {...(run ? { runs: run.nodes } : {})}
            {...(edges ? { touchedEdges: edges.touched, deadEdges: edges.dead } : {})}
          />
        </div>
        {pub.panel}
        {readOnly ? null : chat.panel}
      </div>
      {pub.banner}
      {refused.refusal ? (
        <div className="ps-banner ps-banner-error" role="alert" data-testid="run-refused">
          <div>
            {refused.refusal.text}
            {refused.refusal.lines.length ? (
              <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
                {refused.refusal.lines.map((l, i) => (
                  <li key={i}>{l}</li>
                ))}
              </ul>
            ) : null}
          </div>
          <button type="button" className="ps-link" onClick={refused.clear}>
            Dismiss
          </button>
        </div>
      ) : null}
      {runError ? (
        <div className="ps-banner ps-banner-error" role="alert">
          {runError}
          <button type="button" className="ps-link" onClick={() => setRunError(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      {run ? (
        <RunPanel
          run={run}
          note={runNote?.runId === run.runId ? runNote.text : null}
          onClose={() => {
            show(null);
            follower.closed();
          }}
          nameOf={(id) => doc.nodes.find((n) => n.id === id)?.handle ?? id}
          resume={readOnly ? undefined : <ResumeForm key={run.runId} run={run} nameOf={(id) => doc.nodes.find((n) => n.id === id)?.handle ?? id} onResume={resume} />}
        />
      ) : null}
      {historyOpen ? (
        <RunHistory
          api={api}
          project={project}
          flow={flow.id}
          kind={flow.kind}
          emptyFlow={doc.nodes.length === 0}
          stages={stages}
          refreshKey={`${run ? `${run.runId}:${finished(run.status)}` : ''}/${otherRuns}`}
          expectRun={lastEnded}
          current={run?.runId}
          onOpen={(r) => void openPast(r)}
          onClose={() => setHistoryOpen(false)}
        />
      ) : null}
      {settingsOpen ? (
        <FlowSettingsDialog
          api={api}
          project={project}
          flow={flow}
          flows={lists.flows}
          readOnly={role === 'viewer'}
          onClose={() => setSettingsOpen(false)}
          onSaved={(answer, sent) => {
            const next = withSettings(flow, answer, sent);
            setFlow(next);
            setSettingsOpen(false);
            onFlowChanged?.(next);
          }}
          {...(onFlowDeleted
            ? {
                onDeleted: () => {
                  // nothing more is saved into a flow that is gone
                  saver.dispose();
                  setSettingsOpen(false);
                  onFlowDeleted(flow.id);
                },
              }
            : {})}
        />
      ) : null}
      {save.kind === 'confirm-empty' ? (
        <Modal labelledBy="ps-empty-title">
          <h2 id="ps-empty-title">Empty this flow?</h2>
          <p>
            You removed every node. Saving now replaces the saved draft of “{flow.name}”{save.savedNodes !== null ? `, which has ${save.savedNodes} node${save.savedNodes === 1 ? '' : 's'},` : ''} by an
            empty one. Until you choose, nothing is saved.
          </p>
          <div className="ps-row">
            <button type="button" className="ps-button ps-danger" onClick={() => void saver.confirmEmpty()}>
              Empty the flow
            </button>
            <button type="button" className="ps-button" onClick={() => void saver.keepNodes()}>
              Undo the delete
            </button>
          </div>
        </Modal>
      ) : null}
      {save.kind === 'conflict' ? (
        <Modal labelledBy="ps-conflict-title">
          <h2 id="ps-conflict-title">This flow was changed elsewhere</h2>
          <p>
            Someone (or another tab) saved this flow{save.theirRevision !== null ? ` (revision ${save.theirRevision})` : ''} after you opened it. Keep your version and save it over
            theirs, or load theirs — undo still brings yours back.
          </p>
          <div className="ps-row">
            <button type="button" className="ps-button ps-primary" onClick={() => void saver.keepMine()}>
              Keep mine
            </button>
            <button type="button" className="ps-button" onClick={() => void saver.loadTheirs()}>
              Load theirs
            </button>
          </div>
        </Modal>
      ) : null}
    </div>
  );
}

/** Opens a flow: its detail with the draft, an editor store and a saver bound to it. */
export async function openFlow(api: import('../api/client').ApiClient, catalog: import('../model/catalog').CatalogIndex, project: string, flowId: string): Promise<OpenFlow> {
  const flow = await api.getFlow(project, flowId);
  const store = createEditorStore(catalog, flow.draft.document);
  const saver = new DraftSaver(
    store,
    {
      getDraft: () => api.getDraft(project, flowId),
      saveDraft: (doc, revision, opts) => api.saveDraft(project, flowId, doc, revision, opts),
    },
    flow.draft.revision,
  );
  return { flow, store, saver };
}
