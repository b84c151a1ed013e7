// A flow's version history: the list (number, hash, author, time, message), one version on a
// read-only canvas, the visual diff of two versions (or a version and the draft), and restore
// into the draft. Restoring never loses unsaved edits: they are saved first (so undo and the
// draft history keep them), and when saving fails nothing is restored.

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiClient, ConflictError } from '../api/client';
import type { FlowDiff, Version } from '../api/types';
import type { FlowDocument } from '../model/flow';
import { errText, focusBackTo, formatTime, type Load, LoadError, Loading, versionMessageProblem } from './common';
import { classifyDiff, type DiffView, diffIsEmpty } from './diff';
import { DiffCanvas } from './DiffCanvas';
import { useMemberName } from './members';
import './publish.css';
import { Modal } from '../ui/Modal';
import { submitWith } from '../ui/forms';

/** What the panel needs from the open flow's editor and saver. */
export interface DraftControl {
  /** Whether the editor holds edits the server does not have. */
  dirty(): boolean;
  /** Saves the edits now; ok false says why it could not. */
  save(): Promise<{ ok: true } | { ok: false; reason: string }>;
  /** The draft revision the editor's document is based on. */
  revision(): number;
  /** Loads the server's draft into the editor (undo brings the previous one back). */
  reload(): Promise<void>;
}

export interface VersionsPanelProps {
  api: ApiClient;
  project: string;
  flow: string;
  draft: DraftControl;
  onRestored?(version: number, revision: number): void;
  /** The signed-in member may only look (a viewer): versions show and compare, nothing is
   * saved as a version or restored. */
  readOnly?: boolean;
}

type Side = number | 'draft';
const sideLabel = (s: Side) => (s === 'draft' ? 'the draft' : `v${s}`);

type Shown =
  | { kind: 'view'; version: number; load: Load<{ doc: FlowDocument; view: DiffView; meta: Version }> }
  | { kind: 'diff'; from: Side; to: Side; load: Load<{ diff: FlowDiff; view: DiffView }> };

function Dialog({ title, onClose, children }: { title: string; onClose(): void; children: React.ReactNode }) {
  const close = useRef<HTMLButtonElement>(null);
  return (
    <Modal label={title} className="ps-wide" onClose={onClose} initialFocus={close}>
      <div className="ps-modal-header">
        <h2>{title}</h2>
        <button ref={close} type="button" className="ps-icon-button" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </Modal>
  );
}

function DiffLists({ diff }: { diff: FlowDiff }) {
  if (diffIsEmpty(diff)) return <p className="ps-hint">No differences in nodes or connections.</p>;
  const n = diff.nodes;
  const c = diff.connections;
  return (
    <ul className="ps-diff-list" aria-label="Changes" data-testid="diff-list">
      {n.added.map((x) => (
        <li key={`na${x.id}`} className="ps-diff-added">
          <span className="ps-diff-tag">added</span> node <strong>{x.handle}</strong> <span className="ps-hint">{x.type}</span>
        </li>
      ))}
      {n.removed.map((x) => (
        <li key={`nr${x.id}`} className="ps-diff-removed">
          <span className="ps-diff-tag">removed</span> node <strong>{x.handle}</strong> <span className="ps-hint">{x.type}</span>
        </li>
      ))}
      {n.changed.map((x) => (
        <li key={`nc${x.id}`} className="ps-diff-changed">
          <span className="ps-diff-tag">changed</span> node <strong>{x.handle}</strong>: {x.fields.join(', ')}
        </li>
      ))}
      {c.added.map((x) => (
        <li key={`ca${x.from}>${x.to}`} className="ps-diff-added">
          <span className="ps-diff-tag">added</span> connection <code>{x.from}</code> → <code>{x.to}</code>
        </li>
      ))}
      {c.removed.map((x) => (
        <li key={`cr${x.from}>${x.to}`} className="ps-diff-removed">
          <span className="ps-diff-tag">removed</span> connection <code>{x.from}</code> → <code>{x.to}</code>
        </li>
      ))}
      {c.changed.map((x) => (
        <li key={`cc${x.id}`} className="ps-diff-changed">
          <span className="ps-diff-tag">changed</span> connection <code>{x.before.from}</code> → <code>{x.before.to}</code> now <code>{x.after.from}</code> → <code>{x.after.to}</code>
        </li>
      ))}
    </ul>
  );
}

function Legend() {
  return (
    <div className="ps-diff-legend" aria-hidden>
      <span className="ps-diff-added">added</span>
      <span className="ps-diff-removed">removed</span>
      <span className="ps-diff-changed">changed</span>
    </div>
  );
}

export function VersionsPanel(props: VersionsPanelProps) {
  const { api, project, flow, draft } = props;
  const [list, setList] = useState<Load<{ items: Version[]; next?: string | undefined }>>({ status: 'loading' });
  const [from, setFrom] = useState<Side | null>(null);
  const [to, setTo] = useState<Side>('draft');
  const [shown, setShown] = useState<Shown | null>(null);
  const [restoring, setRestoring] = useState<number | null>(null);
  const [restoreBusy, setRestoreBusy] = useState(false);
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  // what went wrong with Save as version or Older versions: said as an error, not as news
  const [failure, setFailure] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [message, setMessage] = useState('');
  const [snapping, setSnapping] = useState(false);
  const nameOf = useMemberName(api);

  const reload = useCallback(() => {
    setList({ status: 'loading' });
    api.listVersions(project, flow, { limit: 50 }).then(
      (p) => {
        setList({ status: 'ready', value: { items: p.items, next: p.next_cursor } });
        setFrom((f) => f ?? p.items[0]?.number ?? null);
      },
      (e: unknown) => setList({ status: 'error', message: errText(e), error: e }),
    );
  }, [api, project, flow]);
  useEffect(reload, [reload]);

  const more = async () => {
    if (list.status !== 'ready' || !list.value.next || loadingMore) return;
    setLoadingMore(true);
    setFailure(null);
    try {
      const p = await api.listVersions(project, flow, { limit: 50, cursor: list.value.next });
      setList({ status: 'ready', value: { items: [...list.value.items, ...p.items], next: p.next_cursor } });
      // the button may be gone (the last page): the keyboard goes on at the first version loaded
      if (!p.next_cursor && p.items[0]) focusBackTo(`View version ${p.items[0].number}`);
    } catch (e) {
      setFailure(`Older versions could not be loaded: ${errText(e)}`);
    } finally {
      setLoadingMore(false);
    }
  };

  const docOf = async (s: Side): Promise<FlowDocument> => (s === 'draft' ? (await api.getDraft(project, flow)).document : (await api.getVersion(project, flow, s)).document);

  const view = async (v: Version) => {
    setShown({ kind: 'view', version: v.number, load: { status: 'loading' } });
    try {
      const d = await api.getVersion(project, flow, v.number);
      const none: FlowDiff = { from: '', to: '', same: true, nodes: { added: [], removed: [], changed: [] }, connections: { added: [], removed: [], changed: [] } };
      setShown({ kind: 'view', version: v.number, load: { status: 'ready', value: { doc: d.document, view: classifyDiff(d.document, d.document, none), meta: d } } });
    } catch (e) {
      setShown({ kind: 'view', version: v.number, load: { status: 'error', message: errText(e), error: e } });
    }
  };

  const compare = async (a: Side, b: Side) => {
    setShown({ kind: 'diff', from: a, to: b, load: { status: 'loading' } });
    try {
      // the draft side is the server's: save edits first so the diff shows them
      if ((a === 'draft' || b === 'draft') && draft.dirty()) await draft.save();
      const [diff, da, db] = await Promise.all([api.diffVersions(project, flow, a, b), docOf(a), docOf(b)]);
      setShown({ kind: 'diff', from: a, to: b, load: { status: 'ready', value: { diff, view: classifyDiff(da, db, diff) } } });
    } catch (e) {
      setShown({ kind: 'diff', from: a, to: b, load: { status: 'error', message: errText(e), error: e } });
    }
  };

  const restore = async (n: number) => {
    setRestoreBusy(true);
    setRestoreError(null);
    try {
      if (draft.dirty()) {
        const s = await draft.save();
        if (!s.ok) {
          setRestoreError(`Your edits could not be saved first (${s.reason}), so nothing was restored.`);
          return;
        }
      }
      const r = await api.restoreVersion(project, flow, n, draft.revision());
      await draft.reload();
      setRestoring(null);
      setNote(`Restored version ${n} into the draft (revision ${r.revision}). Undo brings the previous draft back.`);
      props.onRestored?.(n, r.revision);
    } catch (e) {
      setRestoreError(e instanceof ConflictError ? 'The draft was changed elsewhere since you opened it. Resolve that first (load theirs or keep mine), then restore.' : errText(e));
    } finally {
      setRestoreBusy(false);
    }
  };

  const messageProblem = versionMessageProblem(message);
  const snapshot = async () => {
    setNote(null);
    setFailure(null);
    if (messageProblem) return;
    setSnapping(true);
    try {
      if (draft.dirty()) {
        const s = await draft.save();
        if (!s.ok) throw new Error(`the draft could not be saved (${s.reason})`);
      }
      const r = await api.createVersion(project, flow, message.trim() || undefined);
      setMessage('');
      setNote(r.created ? `Saved the draft as version ${r.version.number}.` : `The draft equals version ${r.version.number}; no new version.`);
      reload();
    } catch (e) {
      setFailure(`Not saved as a version: ${errText(e)}`);
    } finally {
      setSnapping(false);
    }
  };

  if (list.status === 'loading') return <Loading what="versions" />;
  if (list.status === 'error') return <LoadError message={list.message} onRetry={reload} />;
  const items = list.value.items;

  return (
    <div className="ps-pub-form">
      {props.readOnly ? null : (
        <form
          className="ps-row"
          aria-label="Save the draft as a version"
          onSubmit={submitWith(snapshot)}
        >
          <input
            className={`ps-input${messageProblem ? ' invalid' : ''}`}
            aria-label="Version message"
            aria-invalid={messageProblem ? true : undefined}
            aria-describedby={messageProblem ? 'ps-version-message-error' : undefined}
            placeholder="Message (optional)"
            value={message}
            onChange={(e) => setMessage(e.target.value)}
          />
          <button type="submit" className="ps-button ps-small" disabled={snapping}>
            Save as version
          </button>
        </form>
      )}
      {messageProblem && !props.readOnly ? (
        <p id="ps-version-message-error" className="ps-field-error">
          {messageProblem}
        </p>
      ) : null}
      <div aria-live="polite" role="status">
        {note ? <p className="ps-pub-ok">{note}</p> : null}
      </div>
      {failure ? (
        <p className="ps-pub-alert" role="alert">
          {failure}
        </p>
      ) : null}

      {items.length >= 1 ? (
        <fieldset>
          <legend>Compare</legend>
          <div className="ps-row">
            <select className="ps-input" aria-label="Compare from" value={String(from ?? '')} onChange={(e) => setFrom(e.target.value === 'draft' ? 'draft' : Number(e.target.value))}>
              {items.map((v) => (
                <option key={v.number} value={v.number}>
                  v{v.number}
                </option>
              ))}
              <option value="draft">draft</option>
            </select>
            →
            <select className="ps-input" aria-label="Compare to" value={String(to)} onChange={(e) => setTo(e.target.value === 'draft' ? 'draft' : Number(e.target.value))}>
              <option value="draft">draft</option>
              {items.map((v) => (
                <option key={v.number} value={v.number}>
                  v{v.number}
                </option>
              ))}
            </select>
            <button type="button" className="ps-button ps-small" disabled={from === null || from === to} onClick={() => from !== null && void compare(from, to)}>
              Compare
            </button>
          </div>
        </fieldset>
      ) : null}

      {items.length === 0 ? (
        <p className="ps-hint" data-testid="versions-empty">
          No versions yet. Publishing makes one, or save the draft as a version above.
        </p>
      ) : (
        <ul className="ps-versions" aria-label="Versions" data-testid="versions-list">
          {items.map((v, i) => (
            <li key={v.number} className="ps-version" data-testid={`version-${v.number}`}>
              <div className="ps-version-head">
                <strong>v{v.number}</strong>
                <code className="ps-hint" title={v.hash}>
                  {v.hash.slice(0, 8)}
                </code>
                <span className="ps-toolbar-spacer" />
                <time className="ps-hint" dateTime={v.created_at}>
                  {formatTime(v.created_at)}
                </time>
              </div>
              <div className="ps-hint">
                by <span title={v.author}>{nameOf(v.author)}</span>
              </div>
              {v.message ? <p className="ps-version-msg">{v.message}</p> : null}
              <div className="ps-version-actions">
                <button type="button" className="ps-button ps-small" aria-label={`View version ${v.number}`} onClick={() => void view(v)}>
                  View
                </button>
                <button type="button" className="ps-button ps-small" aria-label={`Compare version ${v.number} with the draft`} onClick={() => void compare(v.number, 'draft')}>
                  vs draft
                </button>
                {items[i + 1] ? (
                  <button type="button" className="ps-button ps-small" aria-label={`Compare version ${v.number} with version ${items[i + 1]!.number}`} onClick={() => void compare(items[i + 1]!.number, v.number)}>
                    vs v{items[i + 1]!.number}
                  </button>
                ) : null}
                {props.readOnly ? null : (
                  <button
                    type="button"
                    className="ps-button ps-small"
                    aria-label={`Restore version ${v.number}`}
                    data-testid={`restore-version-${v.number}`}
                    onClick={() => {
                      setRestoreError(null);
                      setRestoring(v.number);
                    }}
                  >
                    Restore
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
      {list.value.next ? (
        <button type="button" className="ps-button ps-small" disabled={loadingMore} onClick={() => void more()}>
          {loadingMore ? 'Loading older versions…' : 'Older versions'}
        </button>
      ) : null}

      {restoring !== null ? (
        <Dialog title={`Restore version ${restoring}?`} onClose={() => !restoreBusy && setRestoring(null)}>
          <p>
            The draft becomes a copy of version {restoring}. {draft.dirty() ? 'Your unsaved edits are saved first, ' : 'The current draft '}
            {draft.dirty() ? 'so the draft you have now stays one undo step away.' : 'stays one undo step away.'}
          </p>
          {restoreError ? (
            <p className="ps-pub-alert" role="alert">
              {restoreError}
            </p>
          ) : null}
          <div className="ps-row">
            <button type="button" className="ps-button ps-primary" data-testid="confirm-restore" disabled={restoreBusy} onClick={() => void restore(restoring)}>
              {restoreBusy ? 'Restoring…' : `Restore version ${restoring}`}
            </button>
            <button type="button" className="ps-button" disabled={restoreBusy} onClick={() => setRestoring(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      ) : null}

      {shown ? (
        <Dialog title={shown.kind === 'view' ? `Version ${shown.version}` : `Changes from ${sideLabel(shown.from)} to ${sideLabel(shown.to)}`} onClose={() => setShown(null)}>
          {shown.load.status === 'loading' ? (
            <Loading what={shown.kind === 'view' ? 'the version' : 'the changes'} />
          ) : shown.load.status === 'error' ? (
            <LoadError message={shown.load.message} />
          ) : shown.kind === 'view' && 'doc' in shown.load.value ? (
            <>
              <p className="ps-hint">
                {shown.load.value.meta.hash.slice(0, 12)} · by {nameOf(shown.load.value.meta.author)} · {formatTime(shown.load.value.meta.created_at)}
                {shown.load.value.meta.message ? ` · ${shown.load.value.meta.message}` : ''}
              </p>
              <DiffCanvas view={shown.load.value.view} label={`Version ${shown.version} of the flow`} />
              <p className="ps-hint">
                {shown.load.value.doc.nodes.length} nodes, {shown.load.value.doc.connections.length} connections
              </p>
              <div className="ps-row">
                <button type="button" className="ps-button ps-small" aria-label={`Restore version ${shown.version}`} onClick={() => (setRestoring(shown.version), setShown(null))}>
                  Restore this version
                </button>
              </div>
            </>
          ) : 'diff' in shown.load.value ? (
            <>
              <Legend />
              <DiffCanvas view={shown.load.value.view} label="Changes on the canvas" />
              <DiffLists diff={shown.load.value.diff} />
            </>
          ) : null}
        </Dialog>
      ) : null}
    </div>
  );
}
