// The flow editor's hook over the server's check of the saved draft (store/checker.ts): the
// problems to mark, and a note for the problems panel (checking, failed with a retry, done).

import { type ReactNode, useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import type { ApiClient } from '../api/client';
import { type Problem, problemMark } from '../model/validate';
import { checkerFor, visibleProblems } from '../store/checker';
import type { EditorStore } from '../store/editor';
import type { DraftSaver } from '../store/saver';

export interface DraftCheck {
  /** The server's problems (then its warnings, flagged) that still apply to the document being edited. */
  problems: Problem[];
  /** What the problems panel says about the server's check (null before the first). */
  note: ReactNode;
}

/** The server's check of the open flow's saved draft; off (nothing asked) when enabled is false. */
export function useDraftCheck(api: ApiClient, project: string, flow: string, store: EditorStore, saver: DraftSaver, enabled = true): DraftCheck {
  const checker = useMemo(() => checkerFor(saver, store, (signal) => api.validateFlow(project, flow, signal)), [api, project, flow, store, saver]);
  useEffect(() => (enabled ? checker.attach() : undefined), [checker, enabled]);
  const { checking, answer, error } = useStore(checker.state);
  const doc = useStore(store, (s) => s.doc);
  const marks = useMemo(() => answer?.problems.map((p) => problemMark(answer.doc, p)) ?? [], [answer]);
  const problems = useMemo(() => visibleProblems(answer, doc, marks), [answer, doc, marks]);
  const warnings = problems.filter((p) => p.warning).length;
  let note: ReactNode = null;
  if (checking) {
    note = (
      <span className="ps-hint" data-testid="server-check">
        Checking the saved draft with the server…
      </span>
    );
  } else if (error) {
    note = (
      <span className="ps-field-error" data-testid="server-check">
        The server could not check the draft: {error}{' '}
        <button type="button" className="ps-link" onClick={() => checker.retry()}>
          Check again
        </button>
      </span>
    );
  } else if (answer) {
    note = (
      <span className="ps-hint" data-testid="server-check">
        Checked by the server at revision {answer.revision}
        {warnings ? `: ${warnings} warning${warnings === 1 ? '' : 's'}, which do${warnings === 1 ? 'es' : ''} not stop a run or a publish` : ''}.
      </span>
    );
  }
  return { problems, note };
}
