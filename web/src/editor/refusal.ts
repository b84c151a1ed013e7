// A publish or run the API refused because the flow does not validate (422 flow-invalid), or
// the warnings of a publish that went through (marked as warnings, blocking nothing): its
// problems as lines ("add.a: required input …", "flow: …") and the ones to mark on the canvas.
// Publishing (publish/FlowPublishing.tsx), the Run button (runs/refusal.ts) and the chat
// panel (chat/store.ts) all show a refusal through here. Marked problems stay until
// dismissed, the next publish or run, or until what they are about changes: a node's field
// (or the node, or its connections), and for problems of the flow as a whole, a successful
// save of a changed document.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { FlowDocument } from '../model/flow';
import { type Problem, problemMark, problemsFromServer, type ServerProblem, validateDocument } from '../model/validate';
import type { EditorStore } from '../store/editor';
import type { DraftSaver } from '../store/saver';

/** "1 problem", "3 problems". */
export function problemCount(n: number): string {
  return `${n} problem${n === 1 ? '' : 's'}`;
}

/** One problem as a line: "handle.port: message", "handle: message", else its path (or "flow"). */
export function problemLine(doc: FlowDocument, p: Problem): string {
  const node = p.node ? doc.nodes.find((x) => x.id === p.node) : undefined;
  return `${node ? `${node.handle}${p.port ? `.${p.port}` : ''}` : p.path || 'flow'}: ${p.message}`;
}

/** The lines of the server's problems on doc, in the server's order. */
export function refusalLines(doc: FlowDocument, server: ServerProblem[]): string[] {
  return problemsFromServer(doc, server).map((p) => problemLine(doc, p));
}

export interface Refusal {
  /** Every problem, mapped onto doc's nodes. */
  problems: Problem[];
  /** Each problem as a line, for the list under the refusal. */
  lines: string[];
  /** The problems the editor's own validation does not already show: to mark on the canvas. */
  marks: Problem[];
}

/** The server's problems of a refused publish or run of doc. */
export function readRefusal(doc: FlowDocument, catalog: Parameters<typeof validateDocument>[1], server: ServerProblem[], warning = false): Refusal {
  const problems = problemsFromServer(doc, server, warning);
  const key = (p: Problem) => `${p.node ?? ''}|${p.message}`;
  const local = new Set(validateDocument(doc, catalog).map(key));
  return { problems, lines: problems.map((p) => problemLine(doc, p)), marks: problems.filter((p) => !local.has(key(p))) };
}

export interface RefusalMarks {
  /** The marked problems still about what they were (undefined when none), for serverProblems. */
  problems: Problem[] | undefined;
  /**
   * Reads a refusal of the editor's document now and marks what it finds that the editor
   * does not; returns it for the caller's text and lines.
   */
  mark(server: ServerProblem[], warning?: boolean): Refusal;
  /** Dismissed, or a new publish or run: the marks go. */
  clear(): void;
}

/**
 * The canvas marks of a refusal. onGone is called when every marked problem has gone because
 * what it was about changed: the caller drops the refusal that listed them.
 */
export function useRefusalMarks(store: EditorStore, saver: DraftSaver, onGone: () => void): RefusalMarks {
  const [problems, setProblems] = useState<Problem[] | undefined>(undefined);
  // the document the server's problems are about
  const problemsDoc = useRef<FlowDocument | null>(null);
  const gone = useRef(onGone);
  gone.current = onGone;

  const mark = useCallback(
    (server: ServerProblem[], warning = false) => {
      const { doc, catalog } = store.getState();
      const r = readRefusal(doc, catalog, server, warning);
      problemsDoc.current = doc;
      setProblems(r.marks.length ? r.marks : undefined);
      return r;
    },
    [store],
  );
  const clear = useCallback(() => setProblems(undefined), []);

  useEffect(() => {
    if (!problems?.length) return;
    const now = store.getState().doc;
    // marked against the refused document: an edit made before this effect ran counts too
    const base = problemsDoc.current ?? now;
    const marks = problems.map((p) => problemMark(base, p));
    const keep = (d: FlowDocument, saved: boolean) => problems.filter((p, i) => (p.node ? problemMark(d, p) === marks[i] : !(saved && d !== base)));
    const update = (next: Problem[]) => {
      if (next.length === problems.length) return;
      setProblems(next.length ? next : undefined);
      // every marked problem is gone: so is the refusal listing them
      if (!next.length) gone.current();
    };
    const offDoc = store.subscribe((st, prev) => {
      if (st.doc !== prev.doc) update(keep(st.doc, false));
    });
    const offSave = saver.state.subscribe((st, prev) => {
      if (st.state.kind === 'saved' && st.revision !== prev.revision) update(keep(store.getState().doc, true));
    });
    if (now !== base) update(keep(now, false));
    return () => {
      offDoc();
      offSave();
    };
  }, [problems, store, saver]);

  return { problems, mark, clear };
}
